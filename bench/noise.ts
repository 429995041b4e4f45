/** Noise for the voice benchmarks: pink noise mixed into speech at a chosen signal-to-noise ratio. */

/** Pink noise (Voss-McCartney) scaled to the speech's power for the wanted SNR. */
export function withPinkNoise(speech: Int16Array, snrDb: number, seed: number): Int16Array {
  if (!Number.isFinite(snrDb)) return speech;
  let state = seed;
  const random = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const rows = new Float64Array(16).map(random);
  let running = rows.reduce((a, b) => a + b, 0);
  const noise = new Float64Array(speech.length);
  for (let i = 0; i < speech.length; i++) {
    const row = Math.clz32(((i + 1) & -(i + 1)) >>> 0) % 16;
    running -= rows[row] as number;
    rows[row] = random();
    running += rows[row] as number;
    noise[i] = running + random();
  }
  const power = (values: ArrayLike<number>) => {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += (values[i] as number) ** 2;
    return sum / values.length;
  };
  const scale = Math.sqrt(power(speech) / (power(noise) * 10 ** (snrDb / 10)));
  return Int16Array.from(speech, (sample, i) =>
    Math.max(-32768, Math.min(32767, Math.round(sample + scale * (noise[i] as number)))),
  );
}
