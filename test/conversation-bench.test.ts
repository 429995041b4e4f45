/**
 * The conversation benchmark's pure parts: finding where sound starts and ends above a noise floor, timing
 * recorded samples on the bench's clock, the statistics, and a report that never shows figures for a
 * scenario it did not measure.
 */
import { describe, expect, it } from "vitest";
import {
  lastSoundOf,
  noiseFloorOf,
  onsetOf,
  sampleAtTime,
  silencesIn,
  thresholdAbove,
  timeOfSample,
  trimSilence,
} from "../bench/conversation-audio.js";
import {
  type ConversationRun,
  jsonOf,
  markdownOf,
  scenarioReports,
  summarize,
  type TrialRecord,
} from "../bench/conversation-report.js";

const RATE = 16_000;

/** Steady white noise at about -60 dBFS, the same every time. */
function noise(length: number): Int16Array {
  let seed = 7;
  return Int16Array.from({ length }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return Math.round((seed / 2 ** 32 - 0.5) * 110);
  });
}

/** Noise with a 440 Hz tone (about -20 dBFS) added over [from, to). */
function withTone(pcm: Int16Array, from: number, to: number): Int16Array {
  const out = pcm.slice();
  for (let i = from; i < to; i++)
    out[i] = (out[i] ?? 0) + Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / RATE));
  return out;
}

describe("sound against a noise floor", () => {
  const quiet = noise(3 * RATE);
  const floor = noiseFloorOf(quiet, 0, RATE, RATE);
  const threshold = thresholdAbove(floor);

  it("measures the floor of steady noise, and none for digital silence", () => {
    expect(floor).toBeGreaterThan(-66);
    expect(floor).toBeLessThan(-55);
    expect(noiseFloorOf(new Int16Array(RATE), 0, RATE, RATE)).toBe(-120);
    // With no floor at all, dither must still not count as sound.
    expect(thresholdAbove(-120)).toBe(-70);
  });

  it("finds a tone's first and last samples to within a millisecond", () => {
    const pcm = withTone(quiet, 16_005, 32_003);
    const onset = onsetOf(pcm, 0, pcm.length, threshold, RATE);
    const end = lastSoundOf(pcm, 0, pcm.length, threshold, RATE);
    expect(Math.abs((onset ?? 0) - 16_005)).toBeLessThan(RATE / 1000);
    expect(Math.abs((end ?? 0) - 32_003)).toBeLessThan(RATE / 1000);
  });

  it("hears nothing in noise alone, nor in a click shorter than two frames", () => {
    expect(onsetOf(quiet, 0, quiet.length, threshold, RATE)).toBeUndefined();
    const click = quiet.slice();
    click[20_000] = 20_000;
    expect(onsetOf(click, 0, click.length, threshold, RATE)).toBeUndefined();
  });

  it("looks only from where it is told", () => {
    const pcm = withTone(withTone(quiet, 1000, 4000), 30_000, 34_000);
    const onset = onsetOf(pcm, 8000, pcm.length, threshold, RATE) ?? 0;
    expect(Math.abs(onset - 30_000)).toBeLessThan(RATE / 1000);
  });

  it("finds the pauses between sentences, not the silence around the answer", () => {
    const pcm = withTone(withTone(quiet, 4000, 12_000), 24_000, 30_000);
    const gaps = silencesIn(pcm, 0, pcm.length, threshold, RATE, 350);
    expect(gaps).toHaveLength(1);
    const gapMs = (((gaps[0]?.end ?? 0) - (gaps[0]?.start ?? 0)) * 1000) / RATE;
    expect(gapMs).toBeGreaterThan(740);
    expect(gapMs).toBeLessThan(760);
    expect(silencesIn(pcm, 0, pcm.length, threshold, RATE, 800)).toHaveLength(0);
  });

  it("trims the silence around a question, so it ends where its speech ends", () => {
    const pcm = withTone(new Int16Array(RATE), 4000, 10_000);
    const trimmed = trimSilence(pcm, RATE);
    expect(Math.abs(trimmed.length - 6000)).toBeLessThan(RATE / 1000);
  });
});

describe("the bench's clock", () => {
  // 10 ms chunks, each arriving 15 ms after its last sample, some later (a busy event loop).
  const arrivals = Array.from({ length: 500 }, (_, k) => ({
    samples: (k + 1) * 160,
    atMs: 1000 + (k + 1) * 10 + 15 + (k % 7 === 0 ? 0 : (k * 13) % 40),
  }));

  it("times a sample by the earliest its chunks could have arrived", () => {
    expect(timeOfSample(arrivals, 16_000, RATE)).toBeCloseTo(1000 + 1000 + 15, 5);
    expect(timeOfSample(arrivals, 8_080, RATE)).toBeCloseTo(1000 + 505 + 15, 5);
  });

  it("finds the sample played at a time, the inverse of timing it", () => {
    expect(sampleAtTime(arrivals, 2015, RATE)).toBe(16_000);
    expect(sampleAtTime([], 2015, RATE)).toBe(0);
  });
});

describe("statistics", () => {
  it("gives the middle value (the mean of the two middle ones when even) and the nearest-rank p95", () => {
    expect(summarize([300, 100, 200])).toEqual({ n: 3, median: 200, p95: 300, min: 100, max: 300 });
    expect(summarize([4, 1, 3, 2])?.median).toBe(2.5);
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(summarize(twenty)?.p95).toBe(19);
    expect(summarize([])).toBeNull();
  });
});

describe("the report", () => {
  const trial = (index: number, voice: string, latencyMs: number | null): TrialRecord => ({
    index,
    faqId: "runtime",
    question: "How long is Her?",
    voice,
    questionMs: 1200,
    latencyMs,
    heardAfterMs: latencyMs === null ? null : latencyMs - 600,
    answerShownAfterMs: latencyMs === null ? null : latencyMs - 550,
    sentenceGapsMs: latencyMs === null ? [] : [900],
    listenCpuMs: latencyMs === null ? null : 400,
    loadAverage: 1.25,
    heard: "how long is her",
    answer: latencyMs === null ? null : "Her has a runtime of approximately 126 minutes.",
    answeredRight: latencyMs !== null,
    ...(latencyMs === null ? { error: "no answer within 15 s" } : {}),
  });
  const run: ConversationRun = {
    settings: {
      date: "2026-01-01",
      cores: 2,
      platform: "linux/x64",
      node: "22.0.0",
      command: "her-faq listen",
      revision: "abc1234",
      voices: ["flite:slt", "flite:awb"],
      questions: ["How long is Her?"],
      noiseDbfs: -60,
      loadAverage: [1, 1.5],
      sentenceGapMs: 350,
      clockCheckMs: [0.4, 5.5],
    },
    welcomes: [{ startToSoundMs: 2500, welcomeToReadyMs: 200 }],
    trials: [trial(0, "flite:slt", 1600), trial(1, "flite:awb", 1800), trial(2, "flite:awb", null)],
  };

  it("shows the measured latency against the target, and counts an unanswered question as asked", () => {
    const markdown = markdownOf(run);
    expect(markdown).toContain(
      "median 1700 ms, p95 1800 ms over 2 of 3 questions (misses the 500 ms target)",
    );
    expect(markdown).toContain("| end of question → first answer sound | 2 | 1700 | 1800 | 1600 | 1800 |");
    expect(markdown).toContain("| flite:awb | 1 | 1800 | 1800 | 1800 | 1800 |");
    expect(markdown).toContain("| listen's own processor time in that wait | 2 | 400 | 400 | 400 | 400 |");
    expect(markdown).toContain("– (no answer within 15 s)");
    expect(markdown).toContain("starts 0, 6 ms\nlater at the speaker");
  });

  it("lists the scenarios it cannot measure yet, with a reason and no figures", () => {
    const reports = scenarioReports(run);
    expect(reports.map((report) => report.id)).toEqual([
      "latency",
      "false-wakes",
      "wake-misses",
      "barge-in",
      "false-stops",
    ]);
    for (const report of reports.slice(1)) {
      expect(report.measured).toBe(false);
      expect(report).not.toHaveProperty("figures");
    }
    expect(markdownOf(run)).toContain("## False wakes per hour\n\nNot yet measured: needs `listen --wake`");
    const json = JSON.parse(jsonOf(run));
    expect(json.scenarios[0].figures.latencyMs.median).toBe(1700);
    expect(json.scenarios[1]).toMatchObject({ id: "false-wakes", measured: false });
  });
});
