/** What the benches say to `listen --wake` besides other talk: short sayings after a quiet spell. */
/**
 * Short things said after a quiet spell, as people say to a device or across a room: a list of its own,
 * none of it in the training's short sayings (wake-model/dataset.ts), many beginning as "Samantha" does.
 * bench:wake's talkers say each after 1.5 s of quiet; bench:conversation's other talk has one after every
 * five stretches.
 */
export const SHORT_SAYINGS = [
  "Stop talking.",
  "Stop it.",
  "Please stop.",
  "Sit down.",
  "Slow down.",
  "Sunday.",
  "Summer.",
  "Sandwich.",
  "Seven.",
  "Saturday.",
  "Sometimes.",
  "Sorry about that.",
  "See you soon.",
  "So am I.",
  "Sounds good.",
  "Samsung.",
  "Santa Fe.",
  "Sam, come here.",
  "Some more, please.",
  "Salmon.",
  "Volume up.",
  "Turn it off.",
  "Good evening.",
  "Yes, please.",
  "No, thanks.",
  "What time is it?",
  "Is it raining?",
  "Go back.",
  "Mute.",
  "Call mom.",
];
/** The quiet before each. */
export const SHORT_PAUSE_MS = 1500;
