/**
 * Noise mixed into speech at a chosen signal-to-noise ratio, for testing and benchmarking the voice path on
 * harder audio than a clean synthetic voice: pink noise, white noise, or the babble of other talkers.
 */
import { readFileSync } from "node:fs";
import { cachedFiles } from "../recognizers/model-cache.js";
import { type SynthVoice, synthesize } from "../speech-out/synthesize.js";
import { activeRms } from "./loopback.js";
import { decodeWav, encodeWav } from "./wav.js";

export type NoiseKind = "pink" | "white" | "babble";

export const NOISE_KINDS: readonly NoiseKind[] = ["pink", "white", "babble"];

/**
 * Speech mixed with noise at snrDb (Number.POSITIVE_INFINITY returns speech unchanged); deterministic for a
 * seed. As in Picovoice's speech-to-intent benchmark, the ratio is set per utterance from the speech's own
 * energy: a noise segment as long as the speech is scaled so that 10·log10(speech / noise energy) = snrDb.
 */
export function withNoise(speech: Int16Array, kind: NoiseKind, snrDb: number, seed: number): Int16Array {
  if (snrDb === Number.POSITIVE_INFINITY) return speech;
  if (!Number.isFinite(snrDb)) throw new RangeError(`${snrDb} dB is not a signal-to-noise ratio`);
  if (speech.length === 0) return speech;
  const random = seededRandom(seed);
  const noise =
    kind === "pink"
      ? pinkNoise(speech.length, random)
      : kind === "white"
        ? whiteNoise(speech.length, random)
        : babbleSegment(speech.length, random);
  const noisePower = power(noise);
  // Only babble can be silent, and only over a stretch shorter than any talker's pause: nothing to scale.
  if (noisePower === 0) return speech.slice();
  const scale = Math.sqrt(power(speech) / (noisePower * 10 ** (snrDb / 10)));
  return Int16Array.from(speech, (sample, i) =>
    Math.max(-32768, Math.min(32767, Math.round(sample + scale * (noise[i] as number)))),
  );
}

/**
 * Speech mixed with noise at snrDb over the speech itself, its pauses left out (activeRms: the samples
 * louder than a whisper). For audio that holds silence around the words (a pause, "Samantha", a pause, a
 * question), where withNoise's ratio over the whole would put the noise lower the more silence there is.
 */
export function withNoiseUnderSpeech(
  audio: Int16Array,
  kind: NoiseKind,
  snrDb: number,
  seed: number,
): Int16Array {
  const [all, active] = [power(audio), activeRms(audio) ** 2];
  if (all === 0 || active === 0) return audio.slice();
  return withNoise(audio, kind, snrDb + 10 * Math.log10(all / active), seed);
}

/**
 * The factor that puts `noise` snrDb under `speech`'s own level, its pauses left out (activeRms), as
 * withNoiseUnderSpeech sets it: for noise made elsewhere (the wake-word training's babble); 0 for silence.
 */
export function noiseScale(speech: Int16Array, noise: ArrayLike<number>, snrDb: number): number {
  const noisePower = power(noise);
  return noisePower > 0 ? Math.sqrt(activeRms(speech) ** 2 / (noisePower * 10 ** (snrDb / 10))) : 0;
}

/** Uniform in -0.5..0.5 from a linear congruential generator: the same stream for the same seed everywhere. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

/** Voss-McCartney: 16 rows updated at halving rates, summed; the benchmarks' figures were measured with it. */
function pinkNoise(length: number, random: () => number): Float64Array {
  const rows = new Float64Array(16).map(random);
  let running = rows.reduce((a, b) => a + b, 0);
  const noise = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const row = Math.clz32(((i + 1) & -(i + 1)) >>> 0) % 16;
    running -= rows[row] as number;
    rows[row] = random();
    running += rows[row] as number;
    noise[i] = running + random();
  }
  return noise;
}

/** Gaussian (Box-Muller), so its level is as steady as noise gets: the opposite of babble. */
function whiteNoise(length: number, random: () => number): Float64Array {
  const noise = new Float64Array(length);
  for (let i = 0; i < length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(random() + 0.5 || Number.MIN_VALUE));
    const angle = 2 * Math.PI * (random() + 0.5);
    noise[i] = radius * Math.cos(angle);
    if (i + 1 < length) noise[i + 1] = radius * Math.sin(angle);
  }
  return noise;
}

/** A stretch of the babble track as long as the speech, from where the seed says, wrapping round its end. */
function babbleSegment(length: number, random: () => number): Float64Array {
  const track = babbleTrack();
  const start = Math.floor((random() + 0.5) * track.length);
  const noise = new Float64Array(length);
  for (let i = 0; i < length; i++) noise[i] = track[(start + i) % track.length] as number;
  return noise;
}

function power(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] as number) ** 2;
  return sum / values.length;
}

/**
 * Everyday prose with nothing of the skill's subject in it, so the babble sounds like a room of people
 * talking without feeding the recognizer words it listens for.
 */
const BABBLE_SENTENCES = [
  "Bring a large pot of salted water to the boil before you add the pasta.",
  "The forecast for tomorrow calls for light rain in the morning and clear skies by the evening.",
  "Our train left the station a few minutes late, but we still reached the coast before lunch.",
  "Chop the onions finely and let them soften in butter over a low heat.",
  "A cold wind blew across the harbour, and the fishing boats stayed tied up all day.",
  "Pack a warm sweater, because the nights in the mountains can be surprisingly cool.",
  "The market on the square sells fresh bread, ripe peaches and several kinds of local cheese.",
  "After the storm passed, the children ran outside to splash in the puddles along the road.",
  "Most visitors rent a bicycle and follow the quiet path that runs beside the river.",
  "Let the soup simmer gently for half an hour, stirring now and then so nothing sticks.",
  "Snow fell overnight, and the village looked calm and bright under a pale blue sky.",
  "If the flight is delayed, the airline offers a meal voucher at the information desk.",
];

/** Talkers of different engines and sexes, as a room holds different people. */
const BABBLE_TALKERS: readonly SynthVoice[] = [
  "festival:cmu_us_slt_arctic_hts",
  "festival:kal_diphone",
  "espeak:en-us+m3",
  "espeak:en-gb+f2",
  "flite:awb",
  "flite:rms",
];

/** Sentences each talker reads: a different run of them for each, so no two say the same thing at once. */
const SENTENCES_PER_TALKER = 4;

/** Bumped when the way the track is made changes, so a cached track from older code is not used. */
const BABBLE_VERSION = 1;

let babble: Int16Array | undefined;

/** The babble track: synthesized once per process, and kept in the user's cache folder between runs. */
function babbleTrack(): Int16Array {
  if (babble) return babble;
  const inputs = { version: BABBLE_VERSION, sentences: BABBLE_SENTENCES, talkers: BABBLE_TALKERS };
  const files = cachedFiles("babble", inputs, () => ({ "babble.wav": encodeWav(mixTalkers()) }));
  try {
    babble = decodeWav(readFileSync(files.path("babble.wav")), "the babble track").pcm;
  } finally {
    files.release();
  }
  return babble;
}

/**
 * Each talker's reading at the same level, looped from its own starting point and summed over the length
 * of the longest: at any moment several talkers speak and others pause between sentences.
 */
function mixTalkers(): Int16Array {
  const tracks = BABBLE_TALKERS.map((voice, index) => {
    const sentences = Array.from(
      { length: SENTENCES_PER_TALKER },
      (_, n) => BABBLE_SENTENCES[(index * 2 + n) % BABBLE_SENTENCES.length],
    );
    const pcm = synthesize(sentences.join(" "), voice);
    const level = Math.sqrt(power(pcm));
    return { pcm, gain: level > 0 ? 1 / level : 0 };
  });
  const length = Math.max(...tracks.map((track) => track.pcm.length));
  const mix = new Float64Array(length);
  for (const [index, { pcm, gain }] of tracks.entries()) {
    const start = Math.floor((index * pcm.length) / tracks.length);
    for (let i = 0; i < length; i++)
      mix[i] = (mix[i] as number) + gain * (pcm[(start + i) % pcm.length] as number);
  }
  let peak = 0;
  for (const value of mix) peak = Math.max(peak, Math.abs(value));
  // Stored as 16-bit audio: scaled to just below full scale, so quantization stays far below the talkers.
  const scale = peak > 0 ? 32000 / peak : 0;
  return Int16Array.from(mix, (value) => Math.round(value * scale));
}
