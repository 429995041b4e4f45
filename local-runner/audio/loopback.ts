/**
 * The speaker heard back by the microphone, as in a room, for testing and benchmarking barge-in: the played
 * answer delayed, coloured by a loudspeaker, smeared by reflections, and mixed at a chosen level under the
 * user's speech. Deterministic for a seed, so a figure can be measured again.
 */

/** The level both the user's speech and the echo's level are set against: RMS of about -21 dBFS. */
export const SPEECH_RMS = 3000;

export interface RoomOptions {
  /** The echo's level, in dB below SPEECH_RMS (so -15 puts it 15 dB under speech at that level). */
  readonly levelDb?: number;
  /** From the played sample to its echo at the microphone: the sound card's delay plus the air. */
  readonly delayMs?: number;
  /** How long the reflections last (the room's reverberation, to -60 dB). */
  readonly reverbMs?: number;
  readonly seed?: number;
}

/** RMS of the samples louder than a whisper: the level of speech without its pauses. */
export function activeRms(samples: ArrayLike<number>): number {
  let energy = 0;
  let count = 0;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as number;
    if (Math.abs(sample) < 100) continue;
    energy += sample * sample;
    count++;
  }
  return count === 0 ? 0 : Math.sqrt(energy / count);
}

/** The room's impulse response at 16 kHz: the direct path, then reflections dying away exponentially. */
function impulseResponse(delayMs: number, reverbMs: number, seed: number): Float64Array {
  const delay = Math.round(delayMs * 16);
  const length = delay + Math.round(reverbMs * 16);
  const response = new Float64Array(length + 1);
  response[delay] = 1;
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  // Sparse early reflections, then denser ones; -60 dB at reverbMs.
  for (let i = delay + 16; i <= length; i++) {
    const decay = 10 ** ((-3 * (i - delay)) / (reverbMs * 16));
    if (random() < (i - delay < 16 * 20 ? 0.02 : 0.2)) response[i] = (random() * 2 - 1) * 0.6 * decay;
  }
  return response;
}

/** The echo of `played` at the microphone (as long as `played`), before mixing. */
export function roomEcho(played: Int16Array, options: RoomOptions = {}): Float64Array {
  const response = impulseResponse(options.delayMs ?? 30, options.reverbMs ?? 150, options.seed ?? 1);
  const taps: Array<[number, number]> = [];
  response.forEach((weight, lag) => {
    if (weight !== 0) taps.push([lag, weight]);
  });
  // A small loudspeaker: little below 200 Hz (a one-pole high-pass).
  const speaker = new Float64Array(played.length);
  let previousIn = 0;
  let previousOut = 0;
  for (let i = 0; i < played.length; i++) {
    const sample = played[i] as number;
    previousOut = 0.925 * (previousOut + sample - previousIn);
    previousIn = sample;
    speaker[i] = previousOut;
  }
  const echo = new Float64Array(played.length);
  for (const [lag, weight] of taps)
    for (let i = lag; i < played.length; i++)
      echo[i] = (echo[i] as number) + weight * (speaker[i - lag] as number);
  const level = activeRms(played);
  const gain = level === 0 ? 0 : (SPEECH_RMS * 10 ** ((options.levelDb ?? -15) / 20)) / activeRms(echo);
  return echo.map((sample) => sample * gain);
}

/** `speech` brought to SPEECH_RMS. */
export function atSpeechLevel(speech: Int16Array): Float64Array {
  const level = activeRms(speech);
  const gain = level === 0 ? 1 : SPEECH_RMS / level;
  return Float64Array.from(speech, (sample) => sample * gain);
}

/** Signals added together and rounded to 16 bits, with a faint noise floor (a real microphone's hiss). */
export function mix(length: number, ...parts: ArrayLike<number>[]): Int16Array {
  const out = new Int16Array(length);
  let state = 7;
  for (let i = 0; i < length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    let sum = (state / 2 ** 32 - 0.5) * 20;
    for (const part of parts) sum += i < part.length ? (part[i] as number) : 0;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(sum)));
  }
  return out;
}

/** Echo return loss enhancement: how far below the echo the canceller left it, in dB. */
export function erleDb(echo: ArrayLike<number>, residual: ArrayLike<number>): number {
  let echoEnergy = 0;
  let residualEnergy = 0;
  const length = Math.min(echo.length, residual.length);
  for (let i = 0; i < length; i++) {
    echoEnergy += (echo[i] as number) ** 2;
    residualEnergy += (residual[i] as number) ** 2;
  }
  return 10 * Math.log10(echoEnergy / Math.max(residualEnergy, 1));
}
