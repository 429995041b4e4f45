/**
 * The voice front door's middle: audio -> recognizer -> the same resolver and skill as typed text. Speech the
 * recognizer marks as outside the grammar reaches the skill as AMAZON.FallbackIntent, never a forced answer.
 */
import type { Conversation, Turn } from "./conversation.js";
import { type Recognizer, type Transcript, transcribe } from "./recognizers/types.js";
import { fallback, type Resolution } from "./resolver.js";

/**
 * Least ranker confidence to answer an approximate transcript (one heard through the domain language model
 * rather than as an exact sentence). Higher than the typed-text threshold, because a recognizer that only
 * knows the domain's words turns out-of-domain speech into domain-sounding word salad. Measured on holdout A
 * spoken by three voices: against the typed-text threshold, 0.5 rejects more out-of-domain speech (67.8% ->
 * 74.4% clean, 62.8% -> 72.2% at 10 dB) for fewer questions answered (88.5% -> 86.5% clean); dev.tsv
 * questions stay at 98.3% clean.
 */
export const APPROXIMATE_MIN_CONFIDENCE = 0.5;

export interface VoiceTurn {
  readonly transcript: Transcript;
  readonly turn: Turn;
}

/** What the skill should hear for a transcript. */
export function resolveTranscript(conversation: Conversation, transcript: Transcript): Resolution {
  if (transcript.outOfGrammar || transcript.text === "") return fallback(0);
  const resolution = conversation.resolve(transcript.text);
  if (
    transcript.approximate &&
    resolution.kind === "intent" &&
    resolution.match === "ranked" &&
    resolution.confidence < APPROXIMATE_MIN_CONFIDENCE
  ) {
    return fallback(resolution.confidence);
  }
  return resolution;
}

/** Sends what was recognized to the conversation. */
export function answerTranscript(conversation: Conversation, transcript: Transcript): Promise<Turn> {
  return conversation.send(resolveTranscript(conversation, transcript), transcript.text);
}

/** One recording, recognized and answered in the conversation. */
export async function answerRecording(
  conversation: Conversation,
  recognizer: Recognizer,
  pcm: Int16Array,
): Promise<VoiceTurn> {
  const transcript = transcribe(recognizer, pcm);
  return { transcript, turn: await answerTranscript(conversation, transcript) };
}
