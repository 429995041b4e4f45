/**
 * Log mel filterbank energies, the features the wake-word network hears: 25 ms frames every 10 ms of 16 kHz
 * audio, a Hamming window, a 512-point FFT, and MEL_BANDS triangular bands from 100 Hz to 7.6 kHz, as Kaldi's
 * fbank computes them. Streaming: audio comes in chunks of any size, frames come out as soon as they are whole.
 */
import { SAMPLE_RATE } from "../audio/wav.js";

export const MEL_BANDS = 32;
/** Samples between frames (10 ms) and in one frame (25 ms). */
export const FRAME_SHIFT = SAMPLE_RATE / 100;
const FRAME_LENGTH = (SAMPLE_RATE * 25) / 1000;
const FFT_SIZE = 512;
const LOW_HZ = 100;
const HIGH_HZ = 7600;
/**
 * Energy added to every band before the log, about the energy of -70 dBFS noise: digital silence and a
 * microphone's own hiss then give nearly the same features, and no band's log runs to minus infinity.
 */
const ENERGY_FLOOR = (FRAME_LENGTH * (32768 * 10 ** (-70 / 20)) ** 2) / MEL_BANDS;

const WINDOW = Float64Array.from(
  { length: FRAME_LENGTH },
  (_, n) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (FRAME_LENGTH - 1)),
);

const melOf = (hz: number) => 1127 * Math.log(1 + hz / 700);

type Filters = readonly { readonly first: number; readonly weights: Float64Array }[];

/**
 * Each band's weight on each FFT bin: triangles evenly spaced on the mel scale. With a `warp` other than 1,
 * each bin is taken as if at `warp` times its frequency (up to 80% of the top band's edge, then linearly
 * onto it, as Kaldi's vocal tract length warping does): a throat shorter or longer than the speaker's, for
 * training on more kinds of voice than were synthesized.
 */
function filtersFor(warp: number): Filters {
  const [low, high] = [melOf(LOW_HZ), melOf(HIGH_HZ)];
  const step = (high - low) / (MEL_BANDS + 1);
  const bins = FFT_SIZE / 2 + 1;
  return Array.from({ length: MEL_BANDS }, (_, band) => {
    const [left, centre, right] = [band, band + 1, band + 2].map((at) => low + at * step) as [
      number,
      number,
      number,
    ];
    const weights = new Float64Array(bins);
    let first = bins;
    for (let bin = 0; bin < bins; bin++) {
      const mel = melOf(warped((bin * SAMPLE_RATE) / FFT_SIZE, warp));
      const weight =
        mel <= left || mel >= right
          ? 0
          : mel <= centre
            ? (mel - left) / (centre - left)
            : (right - mel) / (right - centre);
      weights[bin] = weight;
      if (weight > 0) first = Math.min(first, bin);
    }
    return { first, weights };
  });
}

/** `hz` as a throat `warp` times shorter hears it: scaled, with the top of the band kept where it is. */
export function warped(hz: number, warp: number): number {
  if (warp === 1) return hz;
  const knee = (0.8 * HIGH_HZ) / Math.max(1, warp);
  if (hz <= knee) return hz * warp;
  // From the knee, a straight line to HIGH_HZ at the Nyquist frequency.
  const nyquist = SAMPLE_RATE / 2;
  return knee * warp + ((HIGH_HZ - knee * warp) * (hz - knee)) / (nyquist - knee);
}

const FILTERS = filtersFor(1);

/** Bit-reversed order and twiddles for an in-place radix-2 FFT of FFT_SIZE points. */
const REVERSED = Uint16Array.from({ length: FFT_SIZE }, (_, index) => {
  let reversed = 0;
  for (let bit = 1, at = index; bit < FFT_SIZE; bit <<= 1, at >>= 1) reversed = (reversed << 1) | (at & 1);
  return reversed;
});
const COS = Float64Array.from({ length: FFT_SIZE / 2 }, (_, k) => Math.cos((-2 * Math.PI * k) / FFT_SIZE));
const SIN = Float64Array.from({ length: FFT_SIZE / 2 }, (_, k) => Math.sin((-2 * Math.PI * k) / FFT_SIZE));

/** The power spectrum of one windowed frame (FFT_SIZE / 2 + 1 bins). */
function powerSpectrum(frame: Float64Array, real: Float64Array, imaginary: Float64Array): Float64Array {
  real.fill(0);
  imaginary.fill(0);
  for (let n = 0; n < frame.length; n++) real[REVERSED[n] as number] = frame[n] as number;
  for (let size = 2; size <= FFT_SIZE; size <<= 1) {
    const half = size >> 1;
    const stride = FFT_SIZE / size;
    for (let start = 0; start < FFT_SIZE; start += size)
      for (let k = 0; k < half; k++) {
        const [even, odd] = [start + k, start + k + half];
        const [c, s] = [COS[k * stride] as number, SIN[k * stride] as number];
        const oddReal = (real[odd] as number) * c - (imaginary[odd] as number) * s;
        const oddImaginary = (real[odd] as number) * s + (imaginary[odd] as number) * c;
        real[odd] = (real[even] as number) - oddReal;
        imaginary[odd] = (imaginary[even] as number) - oddImaginary;
        real[even] = (real[even] as number) + oddReal;
        imaginary[even] = (imaginary[even] as number) + oddImaginary;
      }
  }
  const power = new Float64Array(FFT_SIZE / 2 + 1);
  for (let bin = 0; bin < power.length; bin++)
    power[bin] = (real[bin] as number) ** 2 + (imaginary[bin] as number) ** 2;
  return power;
}

/** Turns audio, chunk by chunk, into log mel frames. */
export class LogMel {
  private readonly filters: Filters;
  private pending = new Float64Array(0);
  private readonly frame = new Float64Array(FRAME_LENGTH);
  private readonly real = new Float64Array(FFT_SIZE);
  private readonly imaginary = new Float64Array(FFT_SIZE);

  /** `warp`: 1 for the features listen hears; another factor only to train on warped voices (filtersFor). */
  constructor(warp = 1) {
    this.filters = warp === 1 ? FILTERS : filtersFor(warp);
  }

  /** The frames completed by `samples` (MEL_BANDS values each). */
  push(samples: Int16Array): Float32Array[] {
    const all = new Float64Array(this.pending.length + samples.length);
    all.set(this.pending);
    all.set(samples, this.pending.length);
    const frames: Float32Array[] = [];
    let start = 0;
    for (; start + FRAME_LENGTH <= all.length; start += FRAME_SHIFT) frames.push(this.frameAt(all, start));
    this.pending = all.slice(start);
    return frames;
  }

  private frameAt(samples: Float64Array, start: number): Float32Array {
    let mean = 0;
    for (let n = 0; n < FRAME_LENGTH; n++) mean += samples[start + n] as number;
    mean /= FRAME_LENGTH;
    // The DC offset out, a pre-emphasis of 0.97, the window.
    for (let n = FRAME_LENGTH - 1; n >= 0; n--) {
      const sample = (samples[start + n] as number) - mean;
      const previous = n > 0 ? (samples[start + n - 1] as number) - mean : sample;
      this.frame[n] = (sample - 0.97 * previous) * (WINDOW[n] as number);
    }
    const power = powerSpectrum(this.frame, this.real, this.imaginary);
    const bands = new Float32Array(MEL_BANDS);
    for (const [band, { first, weights }] of this.filters.entries()) {
      let energy = ENERGY_FLOOR;
      for (let bin = first; bin < weights.length && (weights[bin] as number) > 0; bin++)
        energy += (weights[bin] as number) * (power[bin] as number);
      bands[band] = Math.log(energy);
    }
    return bands;
  }
}

/** All the log mel frames of `audio`. */
export function logMelFrames(audio: Int16Array): Float32Array[] {
  return new LogMel().push(audio);
}
