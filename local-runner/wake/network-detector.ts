/**
 * Hears the wake word with the trained network (network.ts): every 30 ms it scores the last second of log
 * mel frames, and when the score reaches the model's threshold it follows the score to its peak (at most
 * PEAK_WAIT_FRAMES more), takes the word's end from there, and hands over the audio heard after it, the
 * start of a question said in the same breath. Runs in a few milliseconds per second of audio, in the
 * process, with no decoder and no library beyond this code.
 */
import { KeptAudio } from "../audio/kept-audio.js";
import { SAMPLE_RATE } from "../audio/wav.js";
import { FRAME_SHIFT } from "./log-mel.js";
import { type Network, networksOf, readModelFile, type WakeModelFile } from "./network.js";
import samantha from "./samantha.json" with { type: "json" };
import { SCORE_STRIDE, WindowScores } from "./window-scores.js";

/** Once the score reaches the threshold, it is followed this many frames more for its peak. */
const PEAK_WAIT_FRAMES = 12;
/**
 * Where the word ended, in frames before the window end of the peak score: the network was taught that
 * windows ending 4 frames before to 12 after the word's end hold it, so its peak is near the middle.
 */
const PEAK_AFTER_END_FRAMES = 4;
/** Audio kept from before now, to hand over what followed the word. */
const KEPT_MS = 3000;

/** The networks shipped, by wake word (bundled with the code that runs them). */
const SHIPPED: Readonly<Record<string, WakeModelFile>> = { samantha: samantha as WakeModelFile };

/** The trained network for `word`, if one ships (or `file` holds one, written by npm run train:wake). */
export function wakeModelFor(word: string, file?: string): WakeModelFile | undefined {
  if (file) return readModelFile(file);
  return SHIPPED[word.toLowerCase().trim()];
}

export interface NetworkWakeOptions {
  readonly model: WakeModelFile;
  /**
   * Given the second of audio before each word's end as the word is heard, just before the wake is handed
   * over: the recognizer hears it first (recognizers/types.ts's warmUp), so that its front end and decoders
   * have heard the room just before the question, which follows at once. Without it, babble questions were
   * answered 17% of the time instead of 41% (docs/voice.md).
   */
  readonly warm?: (audio: Int16Array) => void;
  /** Told every word the network heard (each wakes): its peak score, and where it ended (samples since listening began). */
  readonly observe?: (heard: { readonly score: number; readonly end: number }) => void;
}

/** Audio the recognizer hears before a question said after the word: this long, up to the word's end. */
const WARM_MS = 1000;

/**
 * Where the word ends, from the network's scores one after another: each score first averaged with the
 * `smooth` - 1 before it (the mean of their logits, so that one score's dip in noise, or one's spike in other
 * talk, counts for less), and taken as the score of their middle; once `steps` such scores in a row reach the
 * threshold, the best from then until PEAK_WAIT_FRAMES pass without a better one.
 */
export class PeakPicker {
  private run = 0;
  private runBest: { score: number; frame: number } | undefined;
  private peak: { score: number; frame: number } | undefined;
  private readonly logits: number[] = [];
  /** Scores in a row (each the mean of `smooth`) at the threshold or over it, up to the last. */
  get running(): number {
    return this.run;
  }

  constructor(
    readonly threshold: number,
    readonly steps: number,
    readonly smooth = 1,
  ) {}

  /** The peak, once it is past (its score and frame); otherwise nothing. */
  next(raw: number, last: number): { readonly score: number; readonly frame: number } | undefined {
    const clamped = Math.min(1 - 1e-7, Math.max(1e-7, raw));
    this.logits.push(Math.log(clamped / (1 - clamped)));
    if (this.logits.length > this.smooth) this.logits.shift();
    const mean = this.logits.reduce((sum, logit) => sum + logit, 0) / this.logits.length;
    const score = this.smooth === 1 ? raw : 1 / (1 + Math.exp(-mean));
    const frame = last - Math.round(((this.logits.length - 1) * SCORE_STRIDE) / 2);
    if (score >= this.threshold) {
      this.run++;
      if (this.runBest === undefined || score > this.runBest.score) this.runBest = { score, frame };
    } else [this.run, this.runBest] = [0, undefined];
    if (
      this.run >= this.steps &&
      this.runBest &&
      (this.peak === undefined || this.runBest.score > this.peak.score)
    )
      this.peak = this.runBest;
    if (this.peak === undefined || frame - this.peak.frame < PEAK_WAIT_FRAMES) return undefined;
    const peak = this.peak;
    [this.peak, this.run, this.runBest] = [undefined, 0, undefined];
    return peak;
  }
}

export class NetworkWakeDetector {
  readonly wakeWord: string;
  private readonly networks: readonly Network[];
  private windows: WindowScores;
  private peaks: PeakPicker;
  private listening = true;
  private closed = false;
  /** The audio heard since listening began, as far as it is kept. */
  private readonly audio = new KeptAudio(KEPT_MS);
  private wakeHandler: (wake: { readonly after: Int16Array }) => void = () => undefined;

  constructor(private readonly options: NetworkWakeOptions) {
    this.wakeWord = options.model.word;
    this.networks = networksOf(options.model);
    this.windows = this.newWindows();
    this.peaks = new PeakPicker(options.model.threshold, options.model.steps ?? 1, options.model.smooth ?? 1);
  }

  onWake(handler: (wake: { readonly after: Int16Array }) => void): void {
    this.wakeHandler = handler;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves once everything accepted has been scored: at once, since scoring is done as audio comes. */
  searched(): Promise<void> {
    return Promise.resolve();
  }

  accept(chunk: Int16Array): void {
    if (this.closed) return;
    // A copy: the microphone may reuse its buffer, and this audio is handed over as the question.
    this.audio.add(chunk.slice());
    if (!this.listening) return;
    const windows = this.windows;
    for (const { score, frame } of windows.scores(chunk)) {
      this.score(score, frame);
      // Woken, or told to listen afresh by whoever heard the wake: the rest of this chunk's frames were
      // heard before, and do not count.
      if (!this.listening || this.windows !== windows) return;
    }
  }

  /** Listens afresh: nothing heard before counts. */
  listenAgain(): void {
    if (this.closed) return;
    this.listening = true;
    this.audio.clear();
    this.windows = this.newWindows();
    this.peaks = new PeakPicker(this.peaks.threshold, this.peaks.steps, this.peaks.smooth);
  }

  close(): void {
    this.closed = true;
  }

  private newWindows(): WindowScores {
    return new WindowScores(this.networks);
  }

  private score(score: number, frame: number): void {
    const peak = this.peaks.next(score, frame);
    if (!peak) return;
    // As the network was taught (dataset.ts), a window ending at frame n ends at sample n * FRAME_SHIFT.
    const end = Math.max(0, (peak.frame - PEAK_AFTER_END_FRAMES) * FRAME_SHIFT);
    this.options.warm?.(this.audio.between(end - (WARM_MS * SAMPLE_RATE) / 1000, end));
    this.options.observe?.({ score: peak.score, end });
    this.listening = false;
    this.wakeHandler({ after: this.audio.between(end, this.audio.accepted) });
  }
}
