/** What the streaming speaker needs from a speech engine that stays loaded: one sentence in, samples out. */

export interface Synthesizer {
  /** "festival:cmu_us_slt_arctic_hts", "flite:slt": for messages. */
  readonly voice: string;
  /** One sanitised sentence as 16 kHz mono samples. */
  synthesize(sentence: string): Promise<Int16Array>;
  /** Frees the engine; later calls fail. */
  close(): void;
}

/** The engine stopped or hung mid-conversation: a fresh one may work. */
export class SynthesizerDied extends Error {
  override readonly name = "SynthesizerDied";
}

/** The engine cannot run here (not installed, no such voice): a fresh one would fail the same way. */
export class SynthesizerUnavailable extends Error {
  override readonly name = "SynthesizerUnavailable";
}
