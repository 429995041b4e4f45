/**
 * The network that hears "stop" said over an answer (barge-in.ts), bundled with the code as the wake word's
 * is. Trained by `npm run train:wake -- --word stop` without bench:barge-in's voices, its setting chosen on
 * other voices over another voice's echo (docs/voice.md, Interrupting).
 */
import type { CommandNetwork } from "../barge-in.js";
import { readModelFile, type WakeModelFile } from "./network.js";
import stop from "./stop.json" with { type: "json" };

/** "stop" said alone, with the audio kept from before the gate opened (300 ms), takes at most about this. */
const STOP_LONGEST_MS = 1000;

/**
 * The networks `listen` hears commands with over an answer: "stop" (the one in `stopModel`, a file
 * train:wake wrote, instead of the shipped one). The wake word's network is not among them: over answers it
 * woke on 2 of 24 questions said over an answer, and the recognizer already hears the word there.
 */
export function commandNetworks(stopModel?: string): CommandNetwork[] {
  const model = stopModel ? readModelFile(stopModel) : (stop as WakeModelFile);
  return [{ model, interruption: "stop", longestMs: STOP_LONGEST_MS }];
}
