/**
 * The conversation benchmark's view of recorded sound, pure: where sound starts and ends against a measured
 * noise floor, where the silences in an answer are, and when a recorded sample passed through the device, on
 * the bench's one clock, from the times its chunks arrived.
 */

/** Levels are taken over 10 ms frames: fine enough for latency, coarse enough to ignore single clicks. */
export const FRAME_MS = 10;
/** The level given to digital silence, which has none (log of zero). */
export const SILENT_DB = -120;

/**
 * A microphone's own noise floor, sample by sample: uniform noise of RMS `dbfs`, the same sequence every run
 * (bench:conversation plays it into its microphone device; bench:wake adds it under its audio).
 */
export function noiseFloor(dbfs: number): () => number {
  // Uniform noise of RMS a has peak a·√3.
  const peak = 32768 * 10 ** (dbfs / 20) * Math.sqrt(3);
  let seed = 12345;
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return Math.round((2 * (seed / 2 ** 32) - 1) * peak);
  };
}

const framesOf = (rate: number) => Math.round((rate * FRAME_MS) / 1000);

/** The RMS level of one stretch of samples, in dB below full scale. */
export function levelOf(pcm: Int16Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (pcm[i] ?? 0) ** 2;
  const rms = Math.sqrt(sum / Math.max(1, to - from)) / 32768;
  return rms > 0 ? Math.max(SILENT_DB, 20 * Math.log10(rms)) : SILENT_DB;
}

/**
 * The floor of a stretch that holds no speech: the level most of its frames stay under (the 95th percentile),
 * so a stray click does not raise it. SILENT_DB for digital silence or an empty stretch.
 */
export function noiseFloorOf(pcm: Int16Array, from: number, to: number, rate: number): number {
  const frame = framesOf(rate);
  const levels: number[] = [];
  for (let start = from; start + frame <= to; start += frame) levels.push(levelOf(pcm, start, start + frame));
  if (levels.length === 0) return SILENT_DB;
  levels.sort((a, b) => a - b);
  return levels[Math.min(levels.length - 1, Math.ceil(0.95 * levels.length) - 1)] as number;
}

/**
 * The level that counts as sound: well above the floor, and never so low that a speaker's digital silence
 * (no floor at all) makes dither count.
 */
export function thresholdAbove(floorDb: number, marginDb = 20, minimumDb = -70): number {
  return Math.max(floorDb + marginDb, minimumDb);
}

const amplitudeOf = (thresholdDb: number) => 32768 * 10 ** (thresholdDb / 20);

/**
 * The first sample of sound in [from, to): the start of the first run of `holdFrames` frames above the
 * threshold, refined to the first sample in it that is itself that loud. Undefined when there is none.
 */
export function onsetOf(
  pcm: Int16Array,
  from: number,
  to: number,
  thresholdDb: number,
  rate: number,
  holdFrames = 2,
): number | undefined {
  const frame = framesOf(rate);
  const end = Math.min(to, pcm.length);
  let run = 0;
  for (let start = from; start + frame <= end; start += frame) {
    run = levelOf(pcm, start, start + frame) > thresholdDb ? run + 1 : 0;
    if (run < holdFrames) continue;
    const first = start - (holdFrames - 1) * frame;
    const amplitude = amplitudeOf(thresholdDb);
    for (let i = first; i < first + frame; i++) if (Math.abs(pcm[i] ?? 0) >= amplitude) return i;
    return first;
  }
  return undefined;
}

/** Just after the last sample of sound in [from, to), the end of the last loud frame; undefined if none. */
export function lastSoundOf(
  pcm: Int16Array,
  from: number,
  to: number,
  thresholdDb: number,
  rate: number,
): number | undefined {
  const frame = framesOf(rate);
  const end = Math.min(to, pcm.length);
  const frames = Math.floor((end - from) / frame);
  for (let k = frames - 1; k >= 0; k--) {
    const start = from + k * frame;
    if (levelOf(pcm, start, start + frame) <= thresholdDb) continue;
    const amplitude = amplitudeOf(thresholdDb);
    for (let i = start + frame - 1; i >= start; i--) if (Math.abs(pcm[i] ?? 0) >= amplitude) return i + 1;
    return start + frame;
  }
  return undefined;
}

export interface Stretch {
  readonly start: number;
  readonly end: number;
}

/** The silences of at least `minimumMs` inside [from, to), between sounds: the pauses within an answer. */
export function silencesIn(
  pcm: Int16Array,
  from: number,
  to: number,
  thresholdDb: number,
  rate: number,
  minimumMs: number,
): Stretch[] {
  const frame = framesOf(rate);
  const end = Math.min(to, pcm.length);
  const gaps: Stretch[] = [];
  let quietSince: number | undefined;
  let heard = false;
  for (let start = from; start + frame <= end; start += frame) {
    if (levelOf(pcm, start, start + frame) > thresholdDb) {
      if (heard && quietSince !== undefined && ((start - quietSince) * 1000) / rate >= minimumMs)
        gaps.push({ start: quietSince, end: start });
      heard = true;
      quietSince = undefined;
    } else quietSince ??= start;
  }
  return gaps;
}

/**
 * Speech with the silence before and after it taken off: everything outside the first and last frames within
 * `belowPeakDb` of the loudest one. The question then ends where its speech ends.
 */
export function trimSilence(pcm: Int16Array, rate: number, belowPeakDb = 45): Int16Array {
  const frame = framesOf(rate);
  let peak = SILENT_DB;
  for (let start = 0; start + frame <= pcm.length; start += frame)
    peak = Math.max(peak, levelOf(pcm, start, start + frame));
  const threshold = peak - belowPeakDb;
  const first = onsetOf(pcm, 0, pcm.length, threshold, rate, 1) ?? 0;
  const last = lastSoundOf(pcm, 0, pcm.length, threshold, rate) ?? pcm.length;
  return pcm.slice(first, Math.max(first, last));
}

/** A chunk of a recording arriving: how many samples had come in with it, and when (bench clock, ms). */
export interface Arrival {
  readonly samples: number;
  readonly atMs: number;
}

/** Chunks within this much audio of a sample are the ones that time it: a few seconds either side. */
const CLOCK_WINDOW_S = 10;

/**
 * When sample `sample` passed through the device, on the bench's clock, plus the recording's smallest
 * delivery delay. Each chunk arrives no sooner than its last sample was captured plus that delay, so each
 * gives an upper bound; the tightest bound near the sample is taken. Two recordings made the same way have
 * the same smallest delay, so it cancels out of a time measured between them.
 */
export function timeOfSample(arrivals: readonly Arrival[], sample: number, rate: number): number {
  let best = Number.POSITIVE_INFINITY;
  const window = CLOCK_WINDOW_S * rate;
  for (const { samples, atMs } of arrivals) {
    if (Math.abs(samples - sample) > window) continue;
    best = Math.min(best, atMs - ((samples - sample) * 1000) / rate);
  }
  if (best !== Number.POSITIVE_INFINITY) return best;
  // No chunk near it (a sample not yet recorded): the nearest one's bound.
  const nearest = arrivals.reduce<Arrival | undefined>(
    (near, arrival) =>
      !near || Math.abs(arrival.samples - sample) < Math.abs(near.samples - sample) ? arrival : near,
    undefined,
  );
  if (!nearest) throw new Error("the recording has no audio yet");
  return nearest.atMs - ((nearest.samples - sample) * 1000) / rate;
}

/** The sample of a recording that passed through the device at `atMs` on the bench's clock (never negative). */
export function sampleAtTime(arrivals: readonly Arrival[], atMs: number, rate: number): number {
  const last = arrivals.at(-1);
  if (!last) return 0;
  // The mapping is linear at one local offset: find it near the sample the estimate points at.
  const guess = Math.round(last.samples + ((atMs - last.atMs) * rate) / 1000);
  const offset = timeOfSample(arrivals, guess, rate) - (guess * 1000) / rate;
  return Math.max(0, Math.round(((atMs - offset) * rate) / 1000));
}

/**
 * How many samples `echo` lags `reference` by, up to `maxLag`: the lag at which the two correlate best
 * (normalised, so a quieter echo scores the same). Both start at the same instant; the echo needs
 * `reference.length + maxLag` samples. Undefined when either is silent.
 */
export function echoLagOf(reference: Int16Array, echo: Int16Array, maxLag: number): number | undefined {
  let referenceEnergy = 0;
  for (const sample of reference) referenceEnergy += sample * sample;
  if (referenceEnergy === 0) return undefined;
  let best: { lag: number; score: number } | undefined;
  for (let lag = 0; lag <= maxLag && lag + reference.length <= echo.length; lag++) {
    let product = 0;
    let echoEnergy = 0;
    for (let i = 0; i < reference.length; i++) {
      const heard = echo[lag + i] as number;
      product += (reference[i] as number) * heard;
      echoEnergy += heard * heard;
    }
    if (echoEnergy === 0) continue;
    const score = product / Math.sqrt(echoEnergy);
    if (!best || score > best.score) best = { lag, score };
  }
  return best?.lag;
}
