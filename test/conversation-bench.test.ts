/**
 * The conversation benchmark's pure parts: finding where sound starts and ends above a noise floor, timing
 * recorded samples on the bench's clock, the statistics, and a report that never shows figures for a
 * scenario it did not measure.
 */
import { describe, expect, it } from "vitest";
import {
  echoLagOf,
  lastSoundOf,
  noiseFloor,
  noiseFloorOf,
  onsetOf,
  sampleAtTime,
  silencesIn,
  thresholdAbove,
  timeOfSample,
  trimSilence,
} from "../bench/conversation-audio.js";
import { PacatLog } from "../bench/conversation-pulse.js";
import {
  type BargeInRecord,
  type ConversationRun,
  type EchoAnswerRecord,
  type FalseWakeRecord,
  isFalseStop,
  jsonOf,
  markdownOf,
  scenarioReports,
  summarize,
  type TrialRecord,
  turnEnding,
  type WakeTrialRecord,
  wakesIn,
} from "../bench/conversation-report.js";
import { latencyLine, turnLatency } from "../local-runner/commands/listen.js";

const RATE = 16_000;

/** Steady white noise at -60 dBFS, the microphone floor the benches use, the same every time. */
const noise = (length: number) => Int16Array.from({ length }, noiseFloor(-60));

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
    // The 95th percentile of its frames' levels: a little over its RMS.
    expect(floor).toBeGreaterThan(-61);
    expect(floor).toBeLessThan(-57);
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

describe("the echo's delay", () => {
  it("finds how late a quieter, noisy copy of a sound comes", () => {
    const reference = noise(4000).map((sample) => sample * 100);
    const lag = 530;
    const echo = new Int16Array(4000 + 1000);
    const hiss = noise(echo.length);
    for (let i = 0; i < echo.length; i++)
      echo[i] = Math.round(
        (i >= lag && i - lag < 4000 ? (reference[i - lag] ?? 0) * 0.18 : 0) + (hiss[i] ?? 0),
      );
    expect(echoLagOf(reference, echo, 1000)).toBe(lag);
    expect(echoLagOf(new Int16Array(4000), echo, 1000)).toBeUndefined();
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

describe("playback into a sink", () => {
  // What pacat --verbose writes: timings each ended by a carriage return, events by a new line.
  const timing = (at: number) => `Time: ${at.toFixed(3)} sec; Latency: 107215 usec.        \r`;
  const opening =
    "Stream successfully created.\nConnected to device mic (index: 0, suspended: no).\nStream started.\u001b[K\n";
  const end =
    "Got EOF.\nTime: 4.403 sec; Latency: 36899 usec.        \rStream underrun.\u001b[K\nPlayback stream drained.\n";

  it("counts a stream that ran dry before its end, not the running dry that ends it", () => {
    const whole = new PacatLog();
    whole.read(opening + timing(0.013) + timing(0.063) + end);
    expect(whole.underruns).toBe(0);
    const broken = new PacatLog();
    broken.read(
      `${opening}${timing(0.013)}Stream underrun.\u001b[K\n${timing(0.4)}Stream underrun.\u001b[K\n${end}`,
    );
    expect(broken.underruns).toBe(2);
  });

  it("reads lines split across the chunks pacat's output comes in", () => {
    const counter = new PacatLog();
    const text = `${opening}${timing(0.013)}Stream underrun.\u001b[K\n${end}`;
    const at = text.indexOf("underrun") + 3;
    counter.read(text.slice(0, at));
    counter.read(text.slice(at));
    expect(counter.underruns).toBe(1);
  });

  it("finds why it failed among its progress lines", () => {
    const log = new PacatLog();
    log.read(
      "Opening a playback stream with sample specification 's16le 1ch 16000Hz' and channel map 'mono'.\nConnection failure: Connection refused\npa_context_connect() failed: Connection refused\n",
    );
    expect(log.failure).toBe("Connection failure: Connection refused");
    const whole = new PacatLog();
    whole.read(opening + timing(0.013) + end);
    expect(whole.failure).toBeUndefined();
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
      echo: null,
    },
    welcomes: [{ startToSoundMs: 2500, welcomeToReadyMs: 200 }],
    trials: [trial(0, "flite:slt", 1600), trial(1, "flite:awb", 1800), trial(2, "flite:awb", null)],
    echoAnswers: [],
    bargeIns: [],
    wake: null,
    wakeTrials: [],
    falseWakes: null,
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

  it("tells from listen's --verbose turn line how each turn ended, and counts those ended on a whole question", () => {
    const line = (complete: boolean, endpointMs: number) =>
      `her-faq: ${latencyLine(turnLatency({ endpointMs, complete, readingMs: 3, skillMs: 1, answeredAt: 0 }, 2))}`;
    expect(turnEnding(line(true, 262.4))).toEqual({ completeQuestion: true, endpointMs: 262 });
    expect(turnEnding(line(false, 705))).toEqual({ completeQuestion: false, endpointMs: 705 });
    expect(turnEnding("her-faq: heard over the answer (900 ms): nothing read")).toBeNull();
    const ended = {
      ...run,
      trials: [
        { ...trial(0, "flite:slt", 300), endedBy: turnEnding(line(true, 262)) },
        { ...trial(1, "flite:awb", 750), endedBy: turnEnding(line(false, 705)) },
        trial(2, "flite:awb", null),
      ],
    };
    const markdown = markdownOf(ended);
    expect(markdown).toContain("Ended on a complete question's short pause: 1 of 2");
    expect(markdown).toContain("| complete question, 262 ms |");
    expect(markdown).toContain("| pause, 705 ms |");
  });

  it("says which scenarios this run did not measure, and why, with no figures", () => {
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
    const markdown = markdownOf(run);
    expect(markdown).toContain(
      "## False wakes per hour\n\nNot measured this time: this run played no other talk to `listen --wake` (--wake-talk-minutes 0).",
    );
    expect(markdown).toContain("| Wake-word misses | not run this time |");
    expect(markdown).toContain("(--wake-trials 0)");
    expect(markdown).toContain("| Barge-in: stop during an answer | not run this time |");
    expect(markdown).toContain("## False stops from the answer's own echo\n\nNot measured this time:");
    const json = JSON.parse(jsonOf(run));
    expect(json.scenarios[0].figures.latencyMs.median).toBe(1700);
    expect(json.scenarios[1]).toMatchObject({ id: "false-wakes", measured: false });
  });

  it("says whether what was played into the sinks played whole", () => {
    expect(markdownOf(run)).not.toContain("underrun");
    const whole = { ...run, settings: { ...run.settings, playbackUnderruns: 0 } };
    expect(markdownOf(whole)).toContain("played whole (no underruns)");
    const broken = { ...run, settings: { ...run.settings, playbackUnderruns: 3 } };
    expect(markdownOf(broken)).toContain("ran dry 3 time(s) before its end");
  });

  const bargeIn = (
    kind: "stop" | "wake",
    voice: string,
    bargeInMs: number | null,
    answeredRight: boolean | null = null,
  ): BargeInRecord => ({
    kind,
    voice,
    faqId: "uniqueness",
    saidAfterMs: 1200,
    bargeInMs,
    followUp: kind === "wake" ? "Who stars in Her?" : null,
    followUpHeard: kind === "wake" ? "who stars in her" : null,
    followUpAnsweredRight: answeredRight,
    loadAverage: 0.8,
    ...(bargeInMs === null ? { error: "not silenced" } : {}),
  });
  const echoAnswer = (playedMs: number, fullMs: number, falseStop: boolean): EchoAnswerRecord => ({
    faqId: "overview",
    question: "What is Her?",
    playedMs,
    fullMs,
    echoBelowSpeechDb: 14.5,
    echoDelayMs: 33,
    heard: null,
    falseStop,
    loadAverage: 0.9,
  });
  const echoRun: ConversationRun = {
    ...run,
    settings: {
      ...run.settings,
      echo: {
        belowSpeechDb: 15,
        loopbackDelayMs: 30,
        bargeInVoices: ["flite:slt", "flite:awb"],
        repeats: 2,
        waitMs: 2000,
        shortByMs: 300,
        saidToMicMs: [2, 1, 3],
      },
    },
    bargeIns: [
      bargeIn("stop", "flite:slt", 90),
      bargeIn("stop", "flite:slt", 250),
      bargeIn("stop", "flite:awb", 410),
      bargeIn("stop", "flite:awb", null),
      bargeIn("wake", "flite:slt", 120, true),
      bargeIn("wake", "flite:awb", null, false),
    ],
    echoAnswers: [echoAnswer(23_530, 23_530, false), echoAnswer(4100, 19_155, true)],
  };

  it("times barge-in per word against the 300 ms bar, and counts a word never obeyed as missed", () => {
    const markdown = markdownOf(echoRun);
    expect(markdown).toContain(
      '| Barge-in: stop during an answer | "stop": median 250 ms, p95 410 ms, max 410 ms; 2 of 4 within 300 ms, 1 missed; ' +
        "wake word: median 120 ms, p95 120 ms, max 120 ms, 1 of 2 missed, 1 of 2 questions after it answered |",
    );
    expect(markdown).toContain('| "stop" → answer silent | 3 | 250 | 410 | 90 | 410 |');
    expect(markdown).toContain("|   flite:awb | 1 | 410 | 410 | 410 | 410 |");
    expect(markdown).toContain("| missed (not silenced) |");
  });

  it("counts the answers cut short by their own echo, with the echo's level and delay", () => {
    const markdown = markdownOf(echoRun);
    expect(markdown).toContain(
      "| False stops from the answer's own echo | 1 of 2 answers stopped by their own echo, echo 14.5 dB under speech 33 ms late (medians) |",
    );
    expect(markdown).toContain("| 2 | What is Her? | 4100 | 19155 | 14.5 | – | yes | 0.90 |");
    const json = JSON.parse(jsonOf(echoRun));
    expect(json.scenarios[3].figures.stop).toMatchObject({ trials: 4, missed: 1, withinTargetMs: 2 });
    expect(json.scenarios[4].figures).toMatchObject({ answers: 2, falseStops: 1 });
  });
});

describe("a false stop", () => {
  it("is an answer listen took 'stop' over, or one whose sound ended short of its natural length", () => {
    expect(isFalseStop(19_000, 19_155, null, 300)).toBe(false);
    expect(isFalseStop(18_800, 19_155, null, 300)).toBe(true);
    expect(isFalseStop(19_155, 19_155, "stop", 300)).toBe(true);
    // No answer, or no natural length: nothing to judge by but what listen printed.
    expect(isFalseStop(null, 19_155, null, 300)).toBe(false);
    expect(isFalseStop(4000, null, null, 300)).toBe(false);
  });
});

describe("waking", () => {
  it("counts a change from waiting to listening as a wake, not the listening after an answer in its session", () => {
    const statuses = [
      { kind: "waiting", atMs: 0 },
      { kind: "listening", atMs: 1000 },
      { kind: "heard", atMs: 1500 },
      { kind: "answer", atMs: 1600 },
      { kind: "listening", atMs: 9000 },
      { kind: "waiting", atMs: 20_000 },
      { kind: "listening", atMs: 30_000 },
    ];
    expect(wakesIn(statuses)).toEqual([1000, 30_000]);
    // A plain listen, never waiting, never wakes.
    expect(wakesIn(statuses.slice(1, 5))).toEqual([]);
  });
});

describe("the wake scenarios' report", () => {
  const base: ConversationRun = {
    settings: {
      date: "2026-01-01",
      cores: 2,
      platform: "linux/x64",
      node: "22.0.0",
      command: "her-faq listen",
      revision: "abc1234",
      voices: [],
      questions: [],
      noiseDbfs: -60,
      loadAverage: [1, 1.5],
      sentenceGapMs: 350,
      clockCheckMs: [0.4],
      echo: null,
    },
    welcomes: [],
    trials: [],
    echoAnswers: [],
    bargeIns: [],
    wake: {
      command: "her-faq listen --wake",
      startToWaitingMs: 3000,
      voices: ["flite:slt", "flite:awb"],
      repeats: 1,
      conditions: ["clean", "babble 10 dB"],
      talkers: ["flite:rms", "espeak:en-gb"],
      texts: ["GPL-3"],
      talkMinutes: 90,
      restarts: 0,
    },
    wakeTrials: [],
    falseWakes: null,
  };
  const falseWake = (atTalkMs: number): FalseWakeRecord => ({
    atTalkMs,
    voice: "flite:rms",
    babble: true,
    during: "This License applies to any program",
    heard: ["this license applies"],
    answers: ["Sorry, I didn't catch that"],
    backToWaitingMs: 21_500,
  });
  const trial = (
    voice: string,
    condition: string,
    woken: boolean,
    latencyMs: number | null,
    rest: Partial<WakeTrialRecord> = {},
  ): WakeTrialRecord => ({
    voice,
    condition,
    question: "Samantha, who stars in Her?",
    woken,
    latencyMs,
    heard: woken ? "who stars in her" : null,
    answeredRight: woken,
    followUp: "How long is Her?",
    followUpHeard: woken ? "how long is her" : null,
    followUpLatencyMs: woken ? 700 : null,
    followUpAnsweredRight: woken,
    backToWaiting: woken ? true : null,
    loadAverage: 0.5,
    ...rest,
  });

  it("gives false wakes per hour of the talk heard while waiting, against the 0.5 per hour bar", () => {
    // 90 minutes played, 80 heard while waiting (the rest in sessions the wakes opened): 2 wakes → 1.5 per hour.
    const run = {
      ...base,
      falseWakes: {
        talkMs: 90 * 60_000,
        babbleMs: 30 * 60_000,
        waitingTalkMs: 80 * 60_000,
        stretches: 700,
        wakes: [falseWake(10 * 60_000), falseWake(50 * 60_000)],
      },
    };
    const markdown = markdownOf(run);
    expect(markdown).toContain(
      "| False wakes per hour | 2 in 1.33 h of other talk (0.50 h of it in babble): 1.50 per hour (misses the 0.5 per hour target) |",
    );
    expect(markdown).toContain(
      "| 2 | 50.0 | flite:rms | yes | This License applies to any program | this license applies | Sorry, I didn't catch that | 21.5 |",
    );
    expect(markdown).toContain("Debian's license texts (GPL-3) and the skill's own answers");
    // A run of the wake scenarios alone asked the plain listen nothing: no latency figures.
    expect(markdown).toContain("| Answer latency | not run this time |");
    const json = JSON.parse(jsonOf(run));
    expect(json.scenarios[0]).not.toHaveProperty("figures");
    expect(json.scenarios[1]).toMatchObject({ id: "false-wakes", measured: true, figures: { wakes: 2 } });
    expect(json.scenarios[1].figures.perHour).toBeCloseTo(1.5, 5);
    // None in an hour meets it.
    const quiet = { ...run, falseWakes: { ...run.falseWakes, waitingTalkMs: 60 * 60_000, wakes: [] } };
    expect(markdownOf(quiet)).toContain("0.00 per hour (meets the 0.5 per hour target)");
  });

  it("counts the words missed, by condition and voice, against the 5% bar, and times only the wakes", () => {
    const run = {
      ...base,
      wakeTrials: [
        trial("flite:slt", "clean", true, 600),
        trial("flite:slt", "babble 10 dB", true, 900, { followUpAnsweredRight: false, backToWaiting: false }),
        trial("flite:awb", "clean", true, 800, { answeredRight: false }),
        trial("flite:awb", "babble 10 dB", false, null, { error: "no answer within 15 s" }),
      ],
    };
    const markdown = markdownOf(run);
    expect(markdown).toContain(
      "| Wake-word misses | 1 of 4 missed (25.0%, misses the 5.0% target), 2 answered right; answer 800 ms after the question (median) |",
    );
    expect(markdown).toContain("| babble 10 dB | 1 of 2 |");
    expect(markdown).toContain("| flite:slt | 0 of 2 |");
    expect(markdown).toContain("| end of question after the word → answer | 3 | 800 | 900 | 600 | 900 |");
    expect(markdown).toContain('back to waiting after "stop": 2 of 3.');
    expect(markdown).toContain(
      "`her-faq listen --wake` in a process of its own, waiting 3.0 s after its start, started again 0 times.",
    );
    expect(markdown).toContain(
      "| 4 | flite:awb | babble 10 dB | Samantha, who stars in Her? | no | – | – | – (no answer within 15 s) |",
    );
    const json = JSON.parse(jsonOf(run));
    expect(json.scenarios[2].figures).toMatchObject({
      trials: 4,
      missed: 1,
      followUpsAnsweredRight: 2,
      meetsTarget: false,
    });
    const allWoken = { ...run, wakeTrials: run.wakeTrials.slice(0, 3) };
    expect(markdownOf(allWoken)).toContain("0 of 3 missed (0.0%, meets the 5.0% target)");
  });
});
