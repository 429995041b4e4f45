import { describe, expect, it } from "vitest";
import { FrontEnd } from "../local-runner/audio/front-end.js";
import { withNoise } from "../local-runner/audio/noise.js";
import { FRAME_SAMPLES, VoiceActivity } from "../local-runner/audio/voice-activity.js";
import { concatenated } from "../local-runner/audio/wav.js";
import { Endpointer } from "../local-runner/recognizers/endpointer.js";
import { synthesize } from "../local-runner/speech-out/synthesize.js";

const power = (samples: Int16Array, from = 0, to = samples.length) => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] as number) ** 2;
  return sum / Math.max(1, to - from);
};
const db = (ratio: number) => 10 * Math.log10(ratio);

/** The audio through a front end, 100 ms at a time, as a microphone delivers it. */
function through(frontEnd: FrontEnd, audio: Int16Array): Int16Array {
  const out: Int16Array[] = [];
  for (let offset = 0; offset < audio.length; offset += 1600)
    out.push(frontEnd.process(audio.subarray(offset, offset + 1600)));
  return concatenated(out);
}

describe("the audio front end", () => {
  const speech = synthesize("is her based on a true story", "festival:cmu_us_slt_arctic_hts");
  const lead = new Int16Array(16000);

  it("takes most of a steady noise away and keeps the speech", () => {
    const quietThenSpeech = new Int16Array(lead.length + speech.length);
    quietThenSpeech.set(speech, lead.length);
    const noisy = withNoise(quietThenSpeech, "white", 10, 3);
    const cleaned = through(new FrontEnd({ gainNormalisation: false }), noisy);
    expect(cleaned.length).toBe(noisy.length - (noisy.length % FRAME_SAMPLES));
    // The second before the speech is noise alone: most of it goes (RNNoise takes about 9 dB of white
    // noise that stops at 8 kHz, as 16 kHz audio does).
    const noiseBefore = power(noisy, 4000, lead.length);
    const noiseAfter = power(cleaned, 4000, lead.length);
    expect(db(noiseBefore / noiseAfter)).toBeGreaterThan(6);
    const untouched = through(new FrontEnd({ noiseSuppression: false, gainNormalisation: false }), noisy);
    expect(Math.abs(db(noiseBefore / power(untouched, 4000, lead.length)))).toBeLessThan(0.5);
    // The speech stays, within a few dB.
    const speechAfter = power(cleaned, lead.length, cleaned.length);
    expect(Math.abs(db(speechAfter / power(speech)))).toBeLessThan(4);
  });

  it("brings quiet speech up to a steady level, and leaves loud speech no louder", () => {
    const quiet = Int16Array.from(speech, (sample) => Math.round(sample / 20));
    const raised = through(new FrontEnd({ noiseSuppression: false }), quiet);
    expect(db(power(raised) / power(quiet))).toBeGreaterThan(12);
    const loud = through(new FrontEnd({ noiseSuppression: false }), speech);
    expect(power(loud)).toBeLessThanOrEqual(power(speech) * 1.01);
  });

  it("passes audio through whole frames only, keeping the rest for the next call", () => {
    const frontEnd = new FrontEnd({ noiseSuppression: false, gainNormalisation: false });
    expect(frontEnd.process(speech.subarray(0, 100))).toHaveLength(0);
    expect(frontEnd.process(speech.subarray(100, 400))).toHaveLength(2 * FRAME_SAMPLES);
  });
});

describe("voice activity", () => {
  const speech = synthesize("who directed her", "festival:kal_diphone");
  const frames = (audio: Int16Array) => {
    const activity = new VoiceActivity();
    let speaking = 0;
    let all = 0;
    for (let offset = 0; offset + FRAME_SAMPLES <= audio.length; offset += FRAME_SAMPLES, all++)
      if (activity.isSpeech(audio.subarray(offset, offset + FRAME_SAMPLES))) speaking++;
    return speaking / all;
  };

  it("hears speech as speech and steady noise as not", () => {
    expect(frames(speech)).toBeGreaterThan(0.5);
    const hiss = withNoise(new Int16Array(16000).fill(1), "white", -30, 5);
    expect(frames(hiss)).toBeLessThan(0.2);
    expect(() => new VoiceActivity().isSpeech(new Int16Array(100))).toThrow(RangeError);
  });

  it("lets the endpointer ignore loud steady noise, and end an utterance after its silence", () => {
    const endpointer = new Endpointer();
    const hum = withNoise(new Int16Array(16000 * 2).fill(1), "pink", -40, 9);
    expect(endpointer.accept(hum)).toBe(false);
    expect(endpointer.heardSpeech).toBe(false);
    endpointer.accept(speech);
    expect(endpointer.heardSpeech).toBe(true);
    expect(endpointer.accept(new Int16Array(16000))).toBe(true);
  });
});
