/** The recognizer interface every engine implements: 16 kHz mono PCM in, partial and final transcripts out. */

export interface Transcript {
  /** What was heard, lowercase words; "" when nothing was. */
  readonly text: string;
  /** Set when the engine heard speech outside what the skill expects; `text` then holds its best guess. */
  readonly outOfGrammar?: boolean;
  /**
   * Set when the words come from an open-ended decoding (a language model of the domain), not from one of
   * the skill's exact sentences: the resolver must then be surer before it answers.
   */
  readonly approximate?: boolean;
  /** The engine's own confidence measure, where it has one. */
  readonly confidence?: number;
  /**
   * Another reading of the same audio, tried when this one means nothing to the skill (resolves to
   * Fallback). PocketSphinx offers the skill's own sentence when it fits well, then open English leaning on
   * the skill's phrasing, then the skill's words in a new order.
   */
  readonly alternative?: Transcript;
}

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
  finish(): Transcript;
}

export interface Recognizer {
  readonly name: string;
  start(): RecognitionStream;
  close(): void;
}

/** The readings that exist, best first, as one transcript: each the alternative of the one before it. */
export function inOrder(readings: ReadonlyArray<Transcript | undefined>): Transcript {
  const [first, ...rest] = readings.filter((reading) => reading !== undefined);
  if (!first) return { text: "" };
  return rest.length > 0 ? { ...first, alternative: inOrder(rest) } : first;
}

/** Recognizes a whole recording at once. */
export function transcribe(recognizer: Recognizer, pcm: Int16Array, chunkSamples = 4000): Transcript {
  const stream = recognizer.start();
  for (let offset = 0; offset < pcm.length; offset += chunkSamples) {
    stream.accept(pcm.subarray(offset, offset + chunkSamples));
  }
  return stream.finish();
}

export class RecognizerUnavailable extends Error {
  override readonly name = "RecognizerUnavailable";
}
