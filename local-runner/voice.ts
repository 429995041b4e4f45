/**
 * The voice front door's middle: audio -> recognizer -> the decision policy -> the same resolver and skill
 * as typed text. Speech the policy will not act on reaches the skill as AMAZON.FallbackIntent, never a
 * forced answer.
 */
import type { Conversation, Turn } from "./conversation.js";
import { type Decision, decide } from "./decision.js";
import { type Recognizer, type Transcript, transcribe } from "./recognizers/types.js";

export interface VoiceTurn {
  /** What was decided: the words acted on and what they mean to the skill. */
  readonly decision: Decision;
  readonly turn: Turn;
}

/** What the skill should hear for a transcript, in this conversation (its locale's resolver). */
export function readTranscript(conversation: Conversation, transcript: Transcript): Decision {
  return decide(transcript, (text) => conversation.resolve(text));
}

/** True when nothing at all was heard: silence or noise, not speech the skill did not expect. */
export function heardNothing(transcript: Transcript): boolean {
  return transcript.readings.length === 0;
}

/** Sends what was recognized to the conversation: the decision, and its turn. */
export async function answerReading(conversation: Conversation, transcript: Transcript): Promise<VoiceTurn> {
  const decision = readTranscript(conversation, transcript);
  const turn = await conversation.send(decision.resolution, decision.text);
  return { decision, turn };
}

/** Sends what was recognized to the conversation. */
export async function answerTranscript(conversation: Conversation, transcript: Transcript): Promise<Turn> {
  return (await answerReading(conversation, transcript)).turn;
}

/** One recording, recognized and answered in the conversation. */
export async function answerRecording(
  conversation: Conversation,
  recognizer: Recognizer,
  pcm: Int16Array,
): Promise<VoiceTurn> {
  return answerReading(conversation, await transcribe(recognizer, pcm));
}
