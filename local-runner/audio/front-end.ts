/**
 * The audio front end every engine hears through: noise suppression (RNNoise, compiled to WebAssembly)
 * and gain normalisation, 10 ms at a time. RNNoise works at 48 kHz, so each frame is raised from 16 kHz
 * and brought back down through windowed-sinc filters that keep their history across frames.
 */
import RNNoise from "@echogarden/rnnoise-wasm";
import { FRAME_SAMPLES } from "./voice-activity.js";

interface RnnoiseModule {
  readonly HEAPF32: Float32Array;
  _rnnoise_create(model: number): number;
  _rnnoise_destroy(state: number): void;
  _rnnoise_process_frame(state: number, out: number, input: number): number;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

const wasm = (await RNNoise()) as RnnoiseModule;
const RATIO = 3;
const WIDE_FRAME = FRAME_SAMPLES * RATIO;

const released = new FinalizationRegistry<{ state: number; buffer: number }>(({ state, buffer }) => {
  wasm._rnnoise_destroy(state);
  wasm._free(buffer);
});

/** A low-pass filter at 16 kHz's Nyquist frequency, for 48 kHz: Hann-windowed sinc. */
const TAPS = (() => {
  const length = 48;
  const taps = new Float64Array(length);
  const cutoff = 0.9 / (2 * RATIO);
  const middle = (length - 1) / 2;
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const x = i - middle;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    taps[i] = sinc * (0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / length));
    sum += taps[i] as number;
  }
  return taps.map((tap) => tap / sum);
})();

/**
 * A FIR filter whose history runs on across calls. The history is kept twice over, so the newest
 * TAPS.length samples are always one contiguous run.
 */
class Filter {
  private readonly history = new Float64Array(2 * TAPS.length);
  private position = 0;

  push(sample: number): void {
    this.history[this.position] = sample;
    this.history[this.position + TAPS.length] = sample;
    this.position = (this.position + 1) % TAPS.length;
  }

  /** The filter's output for the samples pushed so far. */
  output(): number {
    let sum = 0;
    const start = this.position;
    for (let i = 0; i < TAPS.length; i++) sum += (TAPS[i] as number) * (this.history[start + i] as number);
    return sum;
  }

  /**
   * The output at `phase` (0 to RATIO - 1) after the newest sample, had RATIO - 1 zeros followed each
   * sample: only the taps that meet real samples count (polyphase interpolation).
   */
  interpolated(phase: number): number {
    let sum = 0;
    const newest = this.position + TAPS.length - 1;
    for (let tap = phase, age = 0; tap < TAPS.length; tap += RATIO, age++)
      sum += (TAPS[tap] as number) * (this.history[newest - age] as number);
    return sum;
  }
}

export interface FrontEndOptions {
  /** RNNoise noise suppression (on by default). */
  readonly noiseSuppression?: boolean;
  /** Speech brought to a steady level (on by default). */
  readonly gainNormalisation?: boolean;
}

/** Speech level the gain aims for (RMS of int16 samples: about -20 dBFS). */
const TARGET_RMS = 3000;
const MAX_GAIN = 8;
const MIN_GAIN = 0.5;

export class FrontEnd {
  private readonly suppress: boolean;
  private readonly normalise: boolean;
  private readonly state: number = 0;
  private readonly buffer: number = 0;
  private readonly up = new Filter();
  private readonly down = new Filter();
  private carry = new Int16Array(0);
  /** The speech level heard so far, followed quickly up and slowly down. */
  private level = 0;

  constructor(options: FrontEndOptions = {}) {
    this.suppress = options.noiseSuppression ?? true;
    this.normalise = options.gainNormalisation ?? true;
    if (this.suppress) {
      this.state = wasm._rnnoise_create(0);
      this.buffer = wasm._malloc(WIDE_FRAME * 4);
      if (!this.state || !this.buffer) throw new Error("the noise suppressor could not start");
      released.register(this, { state: this.state, buffer: this.buffer });
    }
  }

  /** Audio in, the same length of cleaned audio out (whole frames; a partial frame waits for the next call). */
  process(chunk: Int16Array): Int16Array {
    const samples = new Int16Array(this.carry.length + chunk.length);
    samples.set(this.carry);
    samples.set(chunk, this.carry.length);
    const whole = samples.length - (samples.length % FRAME_SAMPLES);
    this.carry = samples.slice(whole);
    const out = new Int16Array(whole);
    for (let offset = 0; offset < whole; offset += FRAME_SAMPLES) {
      const frame = samples.subarray(offset, offset + FRAME_SAMPLES);
      const cleaned = this.suppress ? this.denoise(frame) : Float64Array.from(frame);
      const gain = this.normalise ? this.gainFor(cleaned) : 1;
      for (let i = 0; i < FRAME_SAMPLES; i++)
        out[offset + i] = Math.max(-32768, Math.min(32767, Math.round((cleaned[i] as number) * gain)));
    }
    return out;
  }

  private denoise(frame: Int16Array): Float64Array {
    const wide = wasm.HEAPF32.subarray(this.buffer >> 2, (this.buffer >> 2) + WIDE_FRAME);
    // Raised threefold: the samples in between are zeros, so each output needs only every third tap
    // (polyphase); the history holds the real samples alone.
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      this.up.push((frame[i] as number) * RATIO);
      for (let phase = 0; phase < RATIO; phase++) wide[i * RATIO + phase] = this.up.interpolated(phase);
    }
    wasm._rnnoise_process_frame(this.state, this.buffer, this.buffer);
    const narrow = new Float64Array(FRAME_SAMPLES);
    for (let i = 0; i < WIDE_FRAME; i++) {
      this.down.push(wide[i] as number);
      if (i % RATIO === RATIO - 1) narrow[(i - RATIO + 1) / RATIO] = this.down.output();
    }
    return narrow;
  }

  private gainFor(frame: Float64Array): number {
    let energy = 0;
    for (const sample of frame) energy += sample * sample;
    const rms = Math.sqrt(energy / frame.length);
    // Up at once when speech is louder, down over about two seconds.
    this.level = rms > this.level ? 0.5 * this.level + 0.5 * rms : 0.995 * this.level + 0.005 * rms;
    if (this.level < 1) return 1;
    return Math.max(MIN_GAIN, Math.min(MAX_GAIN, TARGET_RMS / this.level));
  }
}
