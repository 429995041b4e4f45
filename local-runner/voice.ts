/**
 * The voice front door's middle: audio -> recognizer -> the same resolver and skill as typed text. Speech the
 * recognizer marks as outside the grammar reaches the skill as AMAZON.FallbackIntent, never a forced answer.
 */
import type { Conversation, Turn } from "./conversation.js";
import { type Recognizer, type Transcript, transcribe } from "./recognizers/types.js";
import { FALLBACK_INTENT, fallback, type Resolution } from "./resolver.js";

/**
 * Least ranker confidence to answer an approximate transcript (one heard through the domain language model
 * rather than as an exact sentence). Higher than the typed-text threshold, because a recognizer that only
 * knows the domain's words turns out-of-domain speech into domain-sounding word salad. Measured on holdouts
 * A and B spoken by three voices, with the domain's reading second: against the typed-text threshold (0.35),
 * 0.5 rejects 3.6 points more out-of-domain speech clean (8.5 at 10 dB) for 0.9 points fewer questions
 * answered (1.5 at 10 dB).
 */
export const APPROXIMATE_MIN_CONFIDENCE = 0.5;

export interface VoiceTurn {
  /** The reading the skill acted on. */
  readonly transcript: Transcript;
  readonly turn: Turn;
}

/** A reading of the audio and what it means to the skill. */
export interface Reading {
  readonly transcript: Transcript;
  readonly resolution: Resolution;
}

/**
 * What the skill should hear for a transcript: the first of its readings that means something to the skill,
 * or, when none does, the first reading as Fallback.
 */
export function readTranscript(conversation: Conversation, transcript: Transcript): Reading {
  const first = { transcript, resolution: resolveOne(conversation, transcript) };
  if (!isFallback(first.resolution)) return first;
  for (let reading = transcript.alternative; reading; reading = reading.alternative) {
    const resolution = resolveOne(conversation, reading);
    if (!isFallback(resolution)) return { transcript: reading, resolution };
  }
  return first;
}

/** What the skill should hear for a transcript (see readTranscript). */
export function resolveTranscript(conversation: Conversation, transcript: Transcript): Resolution {
  return readTranscript(conversation, transcript).resolution;
}

/** True when a reading holds nothing at all: silence or noise, not speech the skill did not expect. */
export function heardNothing(transcript: Transcript): boolean {
  return transcript.text === "" && !transcript.outOfGrammar;
}

function isFallback(resolution: Resolution): boolean {
  return resolution.kind === "intent" && resolution.intent === FALLBACK_INTENT;
}

function resolveOne(conversation: Conversation, transcript: Transcript): Resolution {
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

/** Sends what was recognized to the conversation: the reading the skill acts on, and its turn. */
export async function answerReading(conversation: Conversation, transcript: Transcript): Promise<VoiceTurn> {
  const reading = readTranscript(conversation, transcript);
  const turn = await conversation.send(reading.resolution, reading.transcript.text);
  return { transcript: reading.transcript, turn };
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
  return answerReading(conversation, transcribe(recognizer, pcm));
}
