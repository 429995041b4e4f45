/** The recognizer interface every engine implements: 16 kHz mono PCM in, partial and final transcripts out. */

/** Which search of an engine produced a reading. */
export type ReadingSource =
  /** Open English (PocketSphinx's open model leaning on the skill's phrasing, or Vosk without a grammar). */
  | "open"
  /** PocketSphinx's trigram model of the skill's sentences alone. */
  | "domain"
  /** Vosk restricted to the skill's phrases. */
  | "phrases";

/** One reading of an utterance: words, where they came from, and how sure the engine is of them. */
export interface Reading {
  /** Lowercase words; words the engine could not name are left out. */
  readonly text: string;
  readonly source: ReadingSource;
  /** The engine's own score for the reading, in its own units (for reports, never compared across engines). */
  readonly score: number;
  /**
   * How likely the words are what was said, 0 to 1, calibrated for this engine and source on noisy speech:
   * the one number the decision policy (decision.ts) weighs.
   */
  readonly confidence: number;
}

/** What a recognizer heard in one utterance: its readings, ranked, best first; none when nothing was said. */
export interface Transcript {
  /** The best reading's words; "" when nothing was heard. */
  readonly text: string;
  readonly readings: readonly Reading[];
}

/** A transcript of the readings, in their order. */
export function transcriptOf(readings: readonly Reading[]): Transcript {
  return { text: readings[0]?.text ?? "", readings };
}

/** Nothing heard at all. */
export const NOTHING_HEARD: Transcript = transcriptOf([]);

/**
 * What a recognizer says while it listens. When the user has finished is not its call: one endpointer
 * (endpointer.ts) decides that for every engine.
 */
export interface RecognitionUpdate {
  /** The best guess so far, for showing live. */
  readonly partial?: string;
}

/** One utterance being recognized, fed chunk by chunk. */
export interface RecognitionStream {
  accept(chunk: Int16Array): RecognitionUpdate;
  /** What was heard; engines that decode on other threads finish their work first. */
  finish(): Promise<Transcript>;
}

export interface Recognizer {
  readonly name: string;
  /**
   * For engines that finish building in the background: resolves once every part is ready, or rejects
   * with a RecognizerUnavailable saying what to install. Streams may start before; they wait for it.
   */
  ready?(): Promise<void>;
  start(): RecognitionStream;
  close(): void;
}

/** Recognizes a whole recording at once. */
export function transcribe(
  recognizer: Recognizer,
  pcm: Int16Array,
  chunkSamples = 4000,
): Promise<Transcript> {
  const stream = recognizer.start();
  for (let offset = 0; offset < pcm.length; offset += chunkSamples) {
    stream.accept(pcm.subarray(offset, offset + chunkSamples));
  }
  return stream.finish();
}

/**
 * Has the recognizer hear audio that came just before the next utterance, at once, without waiting for its
 * reading: its front end's noise estimate and level, and the decoders' running mean of the audio, then
 * follow the room as it is just before that utterance (the second before a wake word's end, say, before
 * the question after it). Engines that decode on other threads do it in order, before the next stream.
 */
export function warmUp(recognizer: Recognizer, pcm: Int16Array, chunkSamples = 4000): void {
  transcribe(recognizer, pcm, chunkSamples).catch(() => undefined);
}

export class RecognizerUnavailable extends Error {
  override readonly name = "RecognizerUnavailable";
}
