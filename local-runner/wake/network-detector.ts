/**
 * Hears the wake word with the trained network (network.ts): every 30 ms it scores the last second of log
 * mel frames, and when the score reaches the model's threshold it follows the score to its peak (at most
 * PEAK_WAIT_FRAMES more), takes the word's end from there, and hands over the audio heard after it, the
 * start of a question said in the same breath. Runs in a few milliseconds per second of audio, in the
 * process, with no decoder and no library beyond this code.
 */
import { readFileSync } from "node:fs";
import { KeptAudio } from "../audio/kept-audio.js";
import { SAMPLE_RATE } from "../audio/wav.js";
import { FRAME_SHIFT, LogMel } from "./log-mel.js";
import {
  INPUTS,
  type Network,
  networkOf,
  scoreOf,
  type WakeModelFile,
  WINDOW_FRAMES,
  windowInput,
} from "./network.js";
import samantha from "./samantha.json" with { type: "json" };

/** Frames between scores (30 ms). */
export const SCORE_STRIDE = 3;
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
  if (file) return JSON.parse(readFileSync(file, "utf8")) as WakeModelFile;
  return SHIPPED[word.toLowerCase().trim()];
}

export interface NetworkWakeOptions {
  readonly model: WakeModelFile;
  /**
   * Reads the audio around each word heard (from a second before its end to READ_AFTER_MS after) before the
   * wake is handed over: the recognizer's front end then has heard the room just before the question. What it
   * reads decides nothing: on bench:wake's held-out voices, turning a word down where the recognizer clearly
   * read other words turned down 9 of 162 true words and none of the false ones (docs/voice.md).
   */
  readonly read?: (audio: Int16Array) => Promise<unknown>;
  /** Told every word the network heard (each wakes): its peak score, and where it ended (samples since listening began). */
  readonly observe?: (heard: { readonly score: number; readonly end: number }) => void;
}

/** Audio around a word read by the recognizer: from this long before its end to this long after. */
const READ_BEFORE_MS = 1000;
const READ_AFTER_MS = 300;

/**
 * Where the word ends, from the network's scores one after another: once `steps` scores in a row reach the
 * threshold, the best score from then until PEAK_WAIT_FRAMES pass without a better one.
 */
export class PeakPicker {
  private run = 0;
  private runBest: { score: number; frame: number } | undefined;
  private peak: { score: number; frame: number } | undefined;

  constructor(
    readonly threshold: number,
    readonly steps: number,
  ) {}

  /** The peak, once it is past (its score and frame); otherwise nothing. */
  next(score: number, frame: number): { readonly score: number; readonly frame: number } | undefined {
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
  private readonly network: Network;
  private mel = new LogMel();
  private frames: Float32Array[] = [];
  /** Frames made since listening began (frame n starts at sample n * FRAME_SHIFT). */
  private framesMade = 0;
  /** A word heard, awaiting the audio after it and the recognizer's reading of it; and that reading, once begun. */
  private heard: { readonly score: number; readonly end: number } | undefined;
  private reading: Promise<void> | undefined;
  /** Counts fresh starts, so a reading begun before one does not wake after it. */
  private epoch = 0;
  private readonly input = new Float32Array(INPUTS);
  private peaks: PeakPicker;
  private listening = true;
  private closed = false;
  /** The audio heard since listening began, as far as it is kept. */
  private readonly audio = new KeptAudio(KEPT_MS);
  private wakeHandler: (wake: { readonly after: Int16Array }) => void = () => undefined;

  constructor(private readonly options: NetworkWakeOptions) {
    this.wakeWord = options.model.word;
    this.network = networkOf(options.model);
    this.peaks = new PeakPicker(options.model.threshold, options.model.steps ?? 1);
  }

  onWake(handler: (wake: { readonly after: Int16Array }) => void): void {
    this.wakeHandler = handler;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves once everything accepted has been scored, and any word heard in it read. */
  searched(): Promise<void> {
    return this.reading ?? Promise.resolve();
  }

  accept(chunk: Int16Array): void {
    if (this.closed) return;
    // A copy: the microphone may reuse its buffer, and this audio is handed over as the question. While a
    // word heard is being read, everything from a second before it is kept, however long the reading takes.
    const neededFrom = this.heard ? this.heard.end - (READ_BEFORE_MS * SAMPLE_RATE) / 1000 : undefined;
    this.audio.add(chunk.slice(), neededFrom);
    if (!this.listening) return;
    if (this.heard) {
      if (!this.reading && this.audio.accepted >= this.heard.end + (READ_AFTER_MS * SAMPLE_RATE) / 1000)
        this.read(this.heard);
      return;
    }
    for (const frame of this.mel.push(chunk)) {
      this.frames.push(frame);
      this.framesMade++;
      if (this.frames.length > WINDOW_FRAMES + PEAK_WAIT_FRAMES) this.frames.shift();
      if (this.framesMade % SCORE_STRIDE === 0 && this.frames.length >= WINDOW_FRAMES) this.score();
      if (!this.listening || this.heard) return;
    }
  }

  /** Listens afresh: nothing heard before counts. */
  listenAgain(): void {
    if (this.closed) return;
    this.listening = true;
    this.audio.clear();
    this.epoch++;
    this.mel = new LogMel();
    this.frames = [];
    this.framesMade = 0;
    this.peaks = new PeakPicker(this.peaks.threshold, this.peaks.steps);
    this.heard = undefined;
    this.reading = undefined;
  }

  close(): void {
    this.closed = true;
  }

  private score(): void {
    const score = scoreOf(this.network, windowInput(this.frames, this.frames.length, this.input));
    const peak = this.peaks.next(score, this.framesMade);
    if (!peak) return;
    // As the network was taught (dataset.ts), a window ending at frame n ends at sample n * FRAME_SHIFT.
    const end = Math.max(0, (peak.frame - PEAK_AFTER_END_FRAMES) * FRAME_SHIFT);
    if (this.options.read) this.heard = { score: peak.score, end };
    else this.woke({ score: peak.score, end });
  }

  /** Has the recognizer read the audio around the word heard, then wakes. */
  private read(heard: { readonly score: number; readonly end: number }): void {
    const { read } = this.options;
    if (!read) return;
    const { epoch } = this;
    const clip = this.audio.between(
      heard.end - (READ_BEFORE_MS * SAMPLE_RATE) / 1000,
      heard.end + (READ_AFTER_MS * SAMPLE_RATE) / 1000,
    );
    this.reading = read(clip)
      .catch(() => undefined)
      .then(() => {
        if (!this.closed && epoch === this.epoch) this.woke(heard);
      });
  }

  private woke(heard: { readonly score: number; readonly end: number }): void {
    this.options.observe?.(heard);
    this.listening = false;
    this.heard = undefined;
    this.reading = undefined;
    this.wakeHandler({ after: this.audio.between(heard.end, this.audio.accepted) });
  }
}
