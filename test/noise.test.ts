/**
 * Noise mixed into speech: the ratio it is mixed at, repeatability for a seed, and babble that fluctuates as
 * talkers do rather than hissing steadily.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { activeRms } from "../local-runner/audio/loopback.js";
import {
  NOISE_KINDS,
  type NoiseKind,
  noiseScale,
  withNoise,
  withNoiseUnderSpeech,
} from "../local-runner/audio/noise.js";
import { cacheFolder } from "../local-runner/recognizers/model-cache.js";

function missingEngines(): string | undefined {
  for (const tool of ["text2wave", "espeak-ng", "flite"]) {
    if (spawnSync(tool, ["--version"]).error)
      return `${tool} is not installed (see .ci/run for the apt packages)`;
  }
  return undefined;
}
const missing = missingEngines();
if (missing) console.warn(`babble noise tests skipped: ${missing}`);
/** Babble is synthesized by the speech engines; the other kinds need none. */
const kinds = NOISE_KINDS.filter((kind) => kind !== "babble" || !missing);

/** Three seconds of syllable-like bursts: a harmonic tone switched on and off four times a second. */
const speech = Int16Array.from({ length: 48_000 }, (_, i) =>
  Math.round(3000 * Math.sin(i / 7) * Math.sin(i / 3) * (Math.floor(i / 2000) % 2)),
);

/** What was added to the speech. */
const noiseIn = (mixed: Int16Array, clean: Int16Array) =>
  Float64Array.from(mixed, (v, i) => v - (clean[i] ?? 0));

function energy(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] as number) ** 2;
  return sum;
}

/**
 * How much the level of 25 ms frames varies, in dB (standard deviation), after a pre-emphasis that takes out
 * the slow drift of pink noise: a few dB for talkers starting and pausing, a fraction of one for hiss.
 */
function envelopeSpread(noise: Float64Array): number {
  const emphasized = noise.map((value, i) => value - 0.95 * (noise[i - 1] ?? 0));
  const frame = 400;
  const levels: number[] = [];
  for (let start = 0; start + frame <= emphasized.length; start += frame) {
    levels.push(10 * Math.log10(energy(emphasized.subarray(start, start + frame)) / frame + 1e-9));
  }
  const mean = levels.reduce((a, b) => a + b, 0) / levels.length;
  return Math.sqrt(levels.reduce((sum, level) => sum + (level - mean) ** 2, 0) / levels.length);
}

describe.each(kinds)("%s noise", (kind: NoiseKind) => {
  it.each([20, 10, 0])("is mixed at %d dB SNR, measured against the speech's own energy", (snr) => {
    const mixed = withNoise(speech, kind, snr, 7);
    expect(mixed).toHaveLength(speech.length);
    const measured = 10 * Math.log10(energy(speech) / energy(noiseIn(mixed, speech)));
    expect(Math.abs(measured - snr)).toBeLessThan(0.5);
  });

  it("is the same for the same seed and different for another", () => {
    const first = withNoise(speech, kind, 10, 1);
    expect(withNoise(speech, kind, 10, 1)).toEqual(first);
    expect(withNoise(speech, kind, 10, 2)).not.toEqual(first);
  });

  it("leaves the speech unchanged at an infinite SNR", () => {
    expect(withNoise(speech, kind, Number.POSITIVE_INFINITY, 1)).toEqual(speech);
  });

  it("clips to 16 bits instead of wrapping round", () => {
    const loud = new Int16Array(16_000).fill(30_000);
    const mixed = withNoise(loud, kind, 20, 3);
    expect(Math.max(...mixed)).toBe(32_767);
    // Noise a tenth as loud never takes 30,000 below zero; a sum wrapped past 32,767 would.
    expect(Math.min(...mixed)).toBeGreaterThan(0);
  });
});

describe("noise under the words themselves", () => {
  // The bursts with as much silence again after them: over the whole, the speech is half as loud.
  const paused = Int16Array.from({ length: speech.length * 2 }, (_, i) => speech[i] ?? 0);

  it("sets the ratio over the speech, its pauses left out, whether the noise is made here or elsewhere", () => {
    const mixed = withNoiseUnderSpeech(paused, "pink", 10, 7);
    const noise = noiseIn(mixed, paused);
    const underWords = 20 * Math.log10(activeRms(paused) / Math.sqrt(energy(noise) / noise.length));
    expect(Math.abs(underWords - 10)).toBeLessThan(0.5);
    // A noise from elsewhere, scaled by noiseScale, lands at the same level.
    const other = Float64Array.from({ length: paused.length }, (_, i) => Math.sin(i / 5) * 1000);
    const scale = noiseScale(paused, other, 10);
    const scaled = other.map((value) => value * scale);
    expect(Math.sqrt(energy(scaled) / scaled.length)).toBeCloseTo(
      Math.sqrt(energy(noise) / noise.length),
      -1,
    );
    expect(noiseScale(paused, new Float64Array(10), 10)).toBe(0);
  });
});

describe("kinds of noise", () => {
  const spreadOf = (kind: NoiseKind) => {
    const steady = new Int16Array(4 * 16_000).fill(1000);
    return envelopeSpread(noiseIn(withNoise(steady, kind, 0, 5), steady));
  };

  it("white and pink noise hiss at a steady level", () => {
    expect(spreadOf("white")).toBeLessThan(1);
    expect(spreadOf("pink")).toBeLessThan(1);
  });

  it.skipIf(missing)("babble rises and falls as talkers start and pause, unlike white noise", () => {
    const babble = spreadOf("babble");
    expect(babble).toBeGreaterThan(2);
    expect(babble).toBeGreaterThan(5 * spreadOf("white"));
  });

  it.skipIf(missing)(
    "babble is kept in the user's cache folder, so later runs need not synthesize it",
    () => {
      withNoise(speech, "babble", 10, 1);
      expect(readdirSync(cacheFolder()).some((name) => name.startsWith("babble-"))).toBe(true);
    },
  );

  it("refuses a ratio that is not a number of decibels", () => {
    expect(() => withNoise(speech, "white", Number.NaN, 1)).toThrow(RangeError);
    expect(() => withNoise(speech, "white", Number.NEGATIVE_INFINITY, 1)).toThrow(RangeError);
  });
});
