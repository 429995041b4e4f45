/**
 * The voice benchmark's report, from the records its workers made: the figures (voice.json), the tables
 * (voice.md) and the plots (SVG). Pure: records in, text out; bench/voice.ts does the measuring and writing.
 */
import type { NoiseKind } from "../local-runner/audio/noise.js";
import { type Chart, lineChart, type Point, percentTicks, type Series } from "./plot.js";

/** Clean speech, or speech mixed with one kind of noise at one signal-to-noise ratio. */
export interface Condition {
  readonly noise: NoiseKind | "clean";
  /** dB; null for clean speech. */
  readonly snr: number | null;
}

/** What one utterance, spoken by one voice in one condition, came to. */
export interface UtteranceRecord {
  readonly voice: string;
  readonly set: string;
  readonly utterance: string;
  /** A phrase of the expected answer, or "@fallback". */
  readonly expectation: string;
  readonly noise: NoiseKind | "clean";
  readonly snr: number | null;
  /** Whether the utterance asks one of the FAQ's questions (its expectation is not @fallback). */
  readonly inDomain: boolean;
  /** The words the policy acted on, or the best reading's words when it answered Fallback. */
  readonly heard: string;
  readonly intent: string;
  /** The answer holds the expected phrase; for out-of-domain speech, it answers no FAQ question. */
  readonly correct: boolean;
  /** The policy's score, compared with its threshold. */
  readonly score: number;
  /**
   * The best-scoring reading whatever the threshold: its score, and whether acting on it would be right;
   * null when no reading means anything to the skill (it is never acted on).
   */
  readonly best: { readonly score: number; readonly correct: boolean } | null;
  readonly audioSeconds: number;
  /** From the first chunk accepted to the final transcript. */
  readonly decodeMs: number;
  /**
   * Processor time the worker spent meanwhile, on all its threads: unlike decodeMs, not stretched when
   * other processes share the cores.
   */
  readonly decodeCpuMs: number;
}

/** Clean speech only, in milliseconds. */
export interface Latency {
  readonly recognizeAfterEnd: number[];
  readonly resolveAndSkill: number[];
  readonly firstAudio: number[];
}

export interface StartupFigures {
  readonly runs: number;
  readonly bareNode: { readonly wallMs: number; readonly peakRssMiB: number };
  readonly coldCache: { readonly wallMs: number; readonly peakRssMiB: number };
  readonly warmCache: {
    readonly wallMs: number;
    readonly peakRssMiB: number;
    readonly maxPeakRssMiB: number;
  };
}

export interface BenchConfig {
  readonly recognizer: string;
  /** Voices the decision policy and the recognizer's confidences were calibrated with. */
  readonly tuningVoices: readonly string[];
  /** Voices nothing was ever tuned on: the headline figures are theirs. */
  readonly unseenVoices: readonly string[];
  readonly sets: ReadonlyArray<{
    readonly name: string;
    readonly inDomain: number;
    readonly outOfDomain: number;
  }>;
  /** Items taken from each set, spread over it; none when every item was. */
  readonly limit: number | null;
  readonly conditions: readonly Condition[];
  /** Share of the items each noise condition hears, each spoken by one voice. */
  readonly noiseShare: number;
  readonly utterances: number;
  /** Wall-clock time the measuring took. */
  readonly minutes: number;
  readonly workers: number;
  readonly cores: number;
  /** The decision policy's ANSWER_THRESHOLD. */
  readonly threshold: number;
}

export interface Measured {
  readonly config: BenchConfig;
  readonly records: readonly UtteranceRecord[];
  readonly latency: Latency;
  readonly peakRssMiB: number;
  readonly startup: StartupFigures | null;
  /** Recognition alone in one process, as a live conversation runs it: every core free for its decoders. */
  readonly realTime?: RealTimeFigures | null;
}

export interface RealTimeFigures {
  readonly condition: string;
  readonly utterances: number;
  readonly audioSeconds: number;
  /** Wall time from the first audio in to the transcript out, per second of audio. */
  readonly median: number;
  readonly p90: number;
  /** Processor seconds (every thread) per second of audio. */
  readonly cpuMedian: number;
  readonly cores: number;
}

/** A share and what it is of; rate is null when there was nothing to count. */
export interface Rate {
  readonly rate: number | null;
  readonly correct: number;
  readonly total: number;
}

/** One column of the accuracy tables: a set's FAQ questions answered, or its out-of-domain speech rejected. */
interface Measure {
  readonly set: string;
  readonly kind: "answered" | "rejected";
  readonly label: string;
}

export interface CurvePoint {
  readonly threshold: number;
  /** Answered wrongly (out-of-domain speech answered, or a question answered with the wrong answer), as a share of all the utterances. */
  readonly falseAccepts: number;
  /** Questions not answered at all, as a share of all the utterances. */
  readonly falseRejects: number;
}

export interface CurveSeries {
  readonly name: string;
  readonly utterances: number;
  readonly points: readonly CurvePoint[];
  /** At the policy's threshold. */
  readonly atThreshold: CurvePoint & {
    readonly outOfDomainAnswered: Rate;
    readonly inDomainAnsweredWrongly: Rate;
    readonly inDomainNotAnswered: Rate;
  };
}

export interface Figures {
  readonly headline: ReadonlyArray<{ readonly scope: string; readonly rates: Record<string, Rate> }>;
  readonly byVoice: ReadonlyArray<{
    readonly voice: string;
    readonly kind: "tuning" | "unseen";
    readonly clean: Record<string, Rate>;
    readonly noise: Record<string, Rate>;
  }>;
  readonly byCondition: ReadonlyArray<{ readonly condition: string; readonly rates: Record<string, Rate> }>;
  readonly realTimeFactor: ReadonlyArray<{
    readonly condition: string;
    readonly median: number;
    readonly p90: number;
    /** Processor seconds per second of audio, median. */
    readonly cpuMedian: number;
    readonly utterances: number;
  }>;
  readonly latency: {
    readonly recognitionAfterEndOfAudioMs: { readonly median: number; readonly p95: number };
    readonly resolveAndSkillMs: { readonly median: number; readonly p95: number };
    readonly timeToFirstAnswerAudioMs: { readonly median: number };
    readonly peakRssMiB: number;
  };
  readonly startup: StartupFigures | null;
  readonly thresholdCurve: { readonly threshold: number; readonly series: readonly CurveSeries[] };
  readonly misses: {
    readonly total: number;
    readonly listed: ReadonlyArray<
      Pick<UtteranceRecord, "utterance" | "expectation" | "voice" | "heard" | "intent"> & {
        condition: string;
      }
    >;
  };
}

export const SNRS: readonly number[] = [20, 10, 5, 0];
const MISSES_LISTED = 30;
/** The headline's espeak-ng variants: unseen voices of the engine one tuning voice shares. */
const ESPEAK = "espeak:";

export function conditionLabel(condition: Condition): string {
  return condition.noise === "clean" ? "clean" : `${condition.noise} ${condition.snr} dB`;
}

/** Every figure the report shows, from the records. */
export function figuresOf(measured: Measured): Figures {
  const { config, records } = measured;
  const measures = measuresOf(config);
  const ratesOf = (subset: readonly UtteranceRecord[]) =>
    Object.fromEntries(measures.map((measure) => [measure.label, rateOf(subset, measure)]));
  const unseen = records.filter((r) => config.unseenVoices.includes(r.voice));
  const clean = (r: UtteranceRecord) => r.noise === "clean";
  const at = (noise: NoiseKind, snr: number) => (r: UtteranceRecord) => r.noise === noise && r.snr === snr;
  const headline = [
    { scope: "unseen voices, clean", rates: ratesOf(unseen.filter(clean)) },
    { scope: "unseen voices, pink noise at 10 dB", rates: ratesOf(unseen.filter(at("pink", 10))) },
    { scope: "unseen voices, babble at 10 dB", rates: ratesOf(unseen.filter(at("babble", 10))) },
  ];
  const espeakVariants = config.unseenVoices.filter((voice) => voice.startsWith(ESPEAK));
  if (espeakVariants.length > 0)
    headline.push({
      scope: `unseen espeak-ng variants (${espeakVariants.map((v) => v.slice(ESPEAK.length)).join(", ")}), clean`,
      rates: ratesOf(unseen.filter((r) => clean(r) && r.voice.startsWith(ESPEAK))),
    });

  const byVoice = [...config.tuningVoices, ...config.unseenVoices].map((voice) => {
    const spoken = records.filter((r) => r.voice === voice);
    return {
      voice,
      kind: config.tuningVoices.includes(voice) ? ("tuning" as const) : ("unseen" as const),
      clean: ratesOf(spoken.filter(clean)),
      noise: ratesOf(spoken.filter((r) => !clean(r))),
    };
  });
  const byCondition = config.conditions.map((condition) => ({
    condition: conditionLabel(condition),
    rates: ratesOf(records.filter((r) => r.noise === condition.noise && r.snr === condition.snr)),
  }));
  const realTimeFactor = config.conditions.map((condition) => {
    const heard = records.filter((r) => r.noise === condition.noise && r.snr === condition.snr);
    const factors = heard.map((r) => r.decodeMs / 1000 / r.audioSeconds);
    return {
      condition: conditionLabel(condition),
      median: quantile(factors, 0.5),
      p90: quantile(factors, 0.9),
      cpuMedian: quantile(
        heard.map((r) => r.decodeCpuMs / 1000 / r.audioSeconds),
        0.5,
      ),
      utterances: factors.length,
    };
  });

  const tuning = records.filter((r) => config.tuningVoices.includes(r.voice));
  const curves = [
    curveOf("unseen voices, clean", unseen.filter(clean), config.threshold),
    curveOf(
      "unseen voices, in noise",
      unseen.filter((r) => !clean(r)),
      config.threshold,
    ),
    curveOf("tuning voices, all", tuning, config.threshold),
  ].filter((curve) => curve.utterances > 0);

  const { latency } = measured;
  return {
    headline,
    byVoice,
    byCondition,
    realTimeFactor,
    latency: {
      recognitionAfterEndOfAudioMs: {
        median: quantile(latency.recognizeAfterEnd, 0.5),
        p95: quantile(latency.recognizeAfterEnd, 0.95),
      },
      resolveAndSkillMs: {
        median: quantile(latency.resolveAndSkill, 0.5),
        p95: quantile(latency.resolveAndSkill, 0.95),
      },
      timeToFirstAnswerAudioMs: { median: quantile(latency.firstAudio, 0.5) },
      peakRssMiB: Math.round(measured.peakRssMiB),
    },
    startup: measured.startup,
    thresholdCurve: { threshold: config.threshold, series: curves },
    misses: missesOf(records, config),
  };
}

function measuresOf(config: BenchConfig): Measure[] {
  return config.sets.flatMap((set) => [
    ...(set.inDomain > 0
      ? [{ set: set.name, kind: "answered" as const, label: `${set.name}: FAQ answered` }]
      : []),
    ...(set.outOfDomain > 0
      ? [{ set: set.name, kind: "rejected" as const, label: `${set.name}: out-of-domain rejected` }]
      : []),
  ]);
}

function rateOf(records: readonly UtteranceRecord[], measure: Measure): Rate {
  const counted = records.filter(
    (r) => r.set === measure.set && r.inDomain === (measure.kind === "answered"),
  );
  return share(counted.filter((r) => r.correct).length, counted.length);
}

function share(correct: number, total: number): Rate {
  return { rate: total === 0 ? null : correct / total, correct, total };
}

/**
 * False accepts against false rejects as the threshold sweeps 0..1, from the best reading's score: at
 * threshold t an utterance is answered when that score reaches t, and the answer is what acting on the
 * reading said. Both are shares of all the utterances, so they add up to the error rate.
 */
function curveOf(name: string, records: readonly UtteranceRecord[], threshold: number): CurveSeries {
  const thresholds = Array.from({ length: 51 }, (_, i) => i / 50);
  if (!thresholds.includes(threshold)) thresholds.push(threshold);
  thresholds.sort((a, b) => a - b);
  const answered = (r: UtteranceRecord, t: number) => r.best !== null && r.best.score >= t;
  const pointAt = (t: number): CurvePoint => {
    let falseAccepts = 0;
    let falseRejects = 0;
    for (const r of records) {
      if (answered(r, t)) {
        if (!r.best?.correct) falseAccepts++;
      } else if (r.inDomain) falseRejects++;
    }
    const n = Math.max(1, records.length);
    return { threshold: t, falseAccepts: falseAccepts / n, falseRejects: falseRejects / n };
  };
  const inDomain = records.filter((r) => r.inDomain);
  const outOfDomain = records.filter((r) => !r.inDomain);
  const count = (subset: readonly UtteranceRecord[], test: (r: UtteranceRecord) => boolean) =>
    share(subset.filter(test).length, subset.length);
  return {
    name,
    utterances: records.length,
    points: thresholds.map(pointAt),
    atThreshold: {
      ...pointAt(threshold),
      outOfDomainAnswered: count(outOfDomain, (r) => answered(r, threshold) && !r.best?.correct),
      inDomainAnsweredWrongly: count(inDomain, (r) => answered(r, threshold) && !r.best?.correct),
      inDomainNotAnswered: count(inDomain, (r) => !answered(r, threshold)),
    },
  };
}

/**
 * Utterances the curve at the policy's threshold counts wrong but the policy's own run counted right, or
 * the reverse: none, unless the two ways of judging have drifted apart.
 */
export function curveDisagreements(records: readonly UtteranceRecord[], threshold: number): number {
  return records.filter((r) => {
    const answered = r.best !== null && r.best.score >= threshold;
    const right = answered ? (r.best?.correct ?? false) : !r.inDomain;
    return right !== r.correct;
  }).length;
}

/** Misses, cleanest condition first, taking the voices in turn so that no one voice fills the list. */
function missesOf(records: readonly UtteranceRecord[], config: BenchConfig): Figures["misses"] {
  const misses = records.filter((r) => !r.correct);
  const conditionRank = (r: UtteranceRecord) => (r.snr === null ? Number.NEGATIVE_INFINITY : -r.snr);
  const voices = [...config.tuningVoices, ...config.unseenVoices];
  const turn = new Map<UtteranceRecord, number>();
  const seen = new Map<string, number>();
  for (const r of [...misses].sort((a, b) => conditionRank(a) - conditionRank(b))) {
    const key = `${conditionRank(r)}|${r.voice}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    turn.set(r, n);
  }
  const listed = [...misses]
    .sort(
      (a, b) =>
        conditionRank(a) - conditionRank(b) ||
        (turn.get(a) ?? 0) - (turn.get(b) ?? 0) ||
        voices.indexOf(a.voice) - voices.indexOf(b.voice),
    )
    .slice(0, MISSES_LISTED)
    .map((r) => ({
      utterance: r.utterance,
      expectation: r.expectation,
      voice: r.voice,
      condition: conditionLabel(r),
      heard: r.heard,
      intent: r.intent,
    }));
  return { total: misses.length, listed };
}

/** Nearest rank; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

const pct = (rate: number | null) =>
  rate === null || Number.isNaN(rate) ? "–" : `${(100 * rate).toFixed(1)}%`;
const counted = (rate: Rate | undefined) =>
  !rate || rate.rate === null ? "–" : `${pct(rate.rate)} (${rate.correct}/${rate.total})`;
const cell = (text: string) => text.replace(/\|/g, "\\|");
const row = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
const rule = (columns: number) => `|${"---|".repeat(columns)}`;

/** The headline table: unseen voices only. */
export function headlineTable(figures: Figures): string[] {
  const labels = Object.keys(figures.headline[0]?.rates ?? {});
  return [
    row(["unseen voices", ...labels]),
    rule(labels.length + 1),
    ...figures.headline.map((line) =>
      row([line.scope, ...labels.map((label) => counted(line.rates[label]))]),
    ),
  ];
}

/** voice.md. */
export function markdownOf(measured: Measured, figures: Figures, plots: Record<string, string>): string {
  const { config } = measured;
  const labels = Object.keys(figures.byCondition[0]?.rates ?? {});
  const noiseConditions = config.conditions.filter((c) => c.noise !== "clean");
  const fixed = (value: number, digits: number) => (Number.isNaN(value) ? "–" : value.toFixed(digits));
  const babble10 = figures.realTimeFactor.find((line) => line.condition === "babble 10 dB");
  const { latency, thresholdCurve } = figures;
  const lines = [
    `# Voice benchmark (${config.recognizer}, synthetic speech)`,
    "",
    "Written by `npm run bench:voice` (bench/voice.ts). Each utterance is synthesized, mixed with noise where",
    "the condition says, recognized, decided on by the policy (local-runner/decision.ts) and answered by the",
    "skill in a fresh session; it counts as right when the answer holds the expected phrase, or, for",
    "out-of-domain speech, answers no FAQ question.",
    "",
    `- Tuning voices (the decision policy and the recognizer's confidences were calibrated with them): ${config.tuningVoices.join(", ") || "none"}.`,
    `- Unseen voices (never tuned on; the headline is theirs): ${config.unseenVoices.join(", ") || "none"}.`,
    `- Sets: ${config.sets.map((s) => `${s.name} (${s.inDomain} questions, ${s.outOfDomain} out-of-domain)`).join(", ")}${config.limit === null ? "" : `, at most ${config.limit} items each`}.`,
    `- Conditions: clean, every item by every voice; ${[...new Set(noiseConditions.map((c) => c.noise))].join(", ")} noise at ${SNRS.join(", ")} dB SNR, each condition ${pct(config.noiseShare)} of the items (the share shifting from one SNR to the next), each item spoken by one voice taken in turn; at one SNR the three noises hear the same items in the same voices.`,
    `- ${config.utterances} utterances, measured in ${config.minutes.toFixed(0)} minutes by ${config.workers} worker processes on ${config.cores} cores; the policy answers when its score reaches ${config.threshold}.`,
    "",
    "## Headline: unseen voices",
    "",
    ...headlineTable(figures),
    "",
    "## By voice",
    "",
    "Clean, and pooled over every noise condition.",
    "",
    row(["voice", "kind", ...labels.map((l) => `${l}, clean`), ...labels.map((l) => `${l}, in noise`)]),
    rule(2 + 2 * labels.length),
    ...figures.byVoice.map((line) =>
      row([
        line.voice,
        line.kind,
        ...labels.map((l) => pct(line.clean[l]?.rate ?? null)),
        ...labels.map((l) => pct(line.noise[l]?.rate ?? null)),
      ]),
    ),
    "",
    "## By noise and SNR (all voices)",
    "",
    row(["condition", ...labels, "utterances"]),
    rule(labels.length + 2),
    ...figures.byCondition.map((line) =>
      row([
        line.condition,
        ...labels.map((l) => pct(line.rates[l]?.rate ?? null)),
        String(Object.values(line.rates).reduce((sum, rate) => sum + rate.total, 0)),
      ]),
    ),
    "",
    ...Object.keys(plots)
      .filter((file) => file.startsWith("voice-snr-"))
      .map((file) => `![accuracy against SNR, ${file.slice(10, -4)} noise](${file})`),
    "",
    "## Answer threshold",
    "",
    "False accepts (out-of-domain speech answered, or a question answered wrongly) against false rejects",
    "(questions not answered), both as shares of all the utterances so that they add up to the error rate,",
    "as the threshold sweeps from 0 to 1 over each utterance's best-scoring reading. The ring is the policy's",
    `threshold, ${thresholdCurve.threshold}.`,
    "",
    ...(plots["voice-threshold.svg"] ? ["![threshold curve](voice-threshold.svg)", ""] : []),
    row([
      `at the threshold (${thresholdCurve.threshold})`,
      "false accepts",
      "false rejects",
      "out-of-domain answered",
      "questions answered wrongly",
      "questions not answered",
    ]),
    rule(6),
    ...thresholdCurve.series.map((series) =>
      row([
        `${series.name} (${series.utterances})`,
        pct(series.atThreshold.falseAccepts),
        pct(series.atThreshold.falseRejects),
        counted(series.atThreshold.outOfDomainAnswered),
        counted(series.atThreshold.inDomainAnsweredWrongly),
        counted(series.atThreshold.inDomainNotAnswered),
      ]),
    ),
    "",
    "## Speed: real-time factor",
    "",
    `Decoding time (first chunk accepted to final transcript) over the audio's duration, and the processor time the worker spent meanwhile on all its threads, over the same. ${config.workers} worker processes ran concurrently on ${config.cores} cores, each also synthesizing speech in festival, espeak-ng or flite processes of its own, so the cores were shared throughout: on a quiet machine the wall-clock factor is lower.`,
    "",
    row([
      "condition",
      "real-time factor, median",
      "p90",
      "processor time per audio second, median",
      "utterances",
    ]),
    rule(5),
    ...figures.realTimeFactor.map((line) =>
      row([
        line.condition === "babble 10 dB" ? `**${line.condition}**` : line.condition,
        fixed(line.median, 3),
        fixed(line.p90, 3),
        fixed(line.cpuMedian, 3),
        String(line.utterances),
      ]),
    ),
    "",
    ...(measured.realTime
      ? [
          "Then, with the workers done, one recognizer alone in one process, as a live conversation runs it: its decoders spread over every core.",
          "",
          ...realTimeTable(measured.realTime),
          "",
        ]
      : []),
    ...(babble10
      ? [
          `Babble at 10 dB: median ${fixed(babble10.median, 3)}, p90 ${fixed(babble10.p90, 3)} times real time.`,
          "",
        ]
      : []),
    "## Latency",
    "",
    row([`latency (clean audio, ${config.workers} workers on ${config.cores} cores)`, "median", "p95"]),
    rule(3),
    row([
      "final transcript after the end of audio",
      `${fixed(latency.recognitionAfterEndOfAudioMs.median, 0)} ms`,
      `${fixed(latency.recognitionAfterEndOfAudioMs.p95, 0)} ms`,
    ]),
    row([
      "resolve + skill",
      `${fixed(latency.resolveAndSkillMs.median, 1)} ms`,
      `${fixed(latency.resolveAndSkillMs.p95, 1)} ms`,
    ]),
    row([
      "first answer audio synthesized (first sentence, festival) after end of audio",
      `${fixed(latency.timeToFirstAnswerAudioMs.median, 0)} ms`,
      "",
    ]),
    row(["peak memory (RSS) of a worker", `${latency.peakRssMiB} MiB`, ""]),
    "",
    ...(figures.startup ? [...startupTable(figures.startup, config.cores), ""] : []),
    "## Misses",
    "",
    `${figures.misses.total} utterances went wrong; ${figures.misses.listed.length < figures.misses.total ? `the first ${figures.misses.listed.length}, cleanest condition first and the voices in turn` : "all of them"}. \`--raw FILE\` keeps every utterance's record.`,
    "",
    row(["utterance", "expected", "voice", "condition", "heard", "intent"]),
    rule(6),
    ...figures.misses.listed.map((miss) =>
      row([
        miss.utterance,
        miss.expectation,
        miss.voice,
        miss.condition,
        miss.heard || "(nothing)",
        miss.intent,
      ]),
    ),
    "",
  ];
  return lines.join("\n");
}

export function realTimeTable(figures: RealTimeFigures): string[] {
  return [
    row([
      `recognition alone, one process on ${figures.cores} cores (${figures.utterances} utterances, ${figures.condition}, ${figures.audioSeconds.toFixed(0)} s of audio)`,
      "median",
      "p90",
    ]),
    rule(3),
    row(["real-time factor (wall)", figures.median.toFixed(3), figures.p90.toFixed(3)]),
    row(["processor seconds per second of audio (all threads)", figures.cpuMedian.toFixed(3), ""]),
  ];
}

export function startupTable(figures: StartupFigures, cores: number): string[] {
  const line = (name: string, wallMs: number, rssMiB: number) =>
    row([name, `${wallMs.toFixed(0)} ms`, `${rssMiB.toFixed(0)} MiB`]);
  return [
    row([`start-up, whole process (${cores} cores; medians of ${figures.runs} runs)`, "wall", "peak RSS"]),
    rule(3),
    line("`node -e 0`", figures.bareNode.wallMs, figures.bareNode.peakRssMiB),
    line(
      "`listen --json --wav`, one file, empty cache (one run)",
      figures.coldCache.wallMs,
      figures.coldCache.peakRssMiB,
    ),
    line(
      "`listen --json --wav`, one file, cache filled",
      figures.warmCache.wallMs,
      figures.warmCache.peakRssMiB,
    ),
  ];
}

/** The SVG plots, by file name: accuracy against SNR for each noise, and the threshold curve. */
export function plotsOf(config: BenchConfig, figures: Figures): Record<string, string> {
  const plots: Record<string, string> = {};
  // Left to right from the hardest: 0, 5, 10, 20 dB, then clean.
  const levels = [...SNRS].sort((a, b) => a - b);
  const xTicks = [
    ...levels.map((snr, i) => ({ at: i, label: `${snr} dB` })),
    { at: levels.length, label: "clean" },
  ];
  const clean = figures.byCondition.find((line) => line.condition === "clean");
  const labels = Object.keys(clean?.rates ?? {});
  for (const noise of new Set(config.conditions.flatMap((c) => (c.noise === "clean" ? [] : [c.noise])))) {
    const series: Series[] = labels.map((label) => {
      const points: Point[] = [];
      for (const [i, snr] of levels.entries()) {
        const rate = figures.byCondition.find((line) => line.condition === `${noise} ${snr} dB`)?.rates[label]
          ?.rate;
        if (rate !== null && rate !== undefined) points.push({ x: i, y: rate });
      }
      const cleanRate = clean?.rates[label]?.rate;
      if (cleanRate !== null && cleanRate !== undefined) points.push({ x: levels.length, y: cleanRate });
      return { name: label, points, dashed: label.endsWith("rejected"), dots: true };
    });
    const chart: Chart = {
      title: `Spoken accuracy against ${noise} noise`,
      x: { label: `${noise} noise, signal-to-noise ratio`, min: 0, max: levels.length, ticks: xTicks },
      y: { label: "right", min: 0, max: 1, ticks: percentTicks(1) },
      series,
      note: `all voices; clean: every item by every voice; each noise level: ${pct(config.noiseShare)} of the items, one voice each`,
    };
    plots[`voice-snr-${noise}.svg`] = lineChart(chart);
  }
  const curves = figures.thresholdCurve.series;
  if (curves.length > 0) {
    const top = (key: "falseAccepts" | "falseRejects") =>
      Math.max(0.1, Math.ceil(10 * Math.max(...curves.flatMap((c) => c.points.map((p) => p[key])))) / 10);
    const xMax = top("falseRejects");
    const yMax = top("falseAccepts");
    const threshold = figures.thresholdCurve.threshold;
    plots["voice-threshold.svg"] = lineChart({
      title: "False accepts against false rejects as the answer threshold sweeps 0..1",
      x: {
        label: "false rejects: questions not answered",
        min: 0,
        max: xMax,
        ticks: percentTicks(xMax, step(xMax)),
      },
      y: {
        label: "false accepts: answered wrongly",
        min: 0,
        max: yMax,
        ticks: percentTicks(yMax, step(yMax)),
      },
      series: curves.map((curve) => ({
        name: `${curve.name} (${curve.utterances})`,
        points: curve.points.map((p) => ({ x: p.falseRejects, y: p.falseAccepts })),
        dashed: curve.name.startsWith("tuning"),
        marks: [
          {
            x: curve.atThreshold.falseRejects,
            y: curve.atThreshold.falseAccepts,
            label: `${threshold}`,
          },
        ],
      })),
      note: `shares of all the utterances; the ring: the policy's threshold (ANSWER_THRESHOLD = ${threshold})`,
    });
  }
  return plots;
}

/** A tick step giving four to ten ticks up to max. */
function step(max: number): number {
  return max > 0.5 ? 0.1 : max > 0.2 ? 0.05 : 0.02;
}
