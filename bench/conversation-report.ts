/**
 * The conversation benchmark's report, pure: the records of a run in, the figures (conversation.json) and the
 * tables (conversation.md) out. One section per scenario of issue 12's list; those not measured yet say so
 * and why, with no figures.
 */
import { quantile } from "./voice-report.js";

/** What one spoken question came to, timed at the devices on the bench's clock. */
export interface TrialRecord {
  readonly index: number;
  readonly faqId: string;
  readonly question: string;
  readonly voice: string;
  /** Length of the question's speech as played. */
  readonly questionMs: number;
  /** From the last sample of the question at the microphone device to the answer's first sound at the speaker. */
  readonly latencyMs: number | null;
  /**
   * From the question's end to listen printing the words it heard (its endpoint decision and reading) and its
   * answer's text (the skill's turn): what its output shows, read as it is written.
   */
  readonly heardAfterMs: number | null;
  readonly answerShownAfterMs: number | null;
  /** Processor time listen's own process used from the question's end to the answer's first sound. */
  readonly listenCpuMs: number | null;
  /** The machine's 1-minute load average when the question was asked. */
  readonly loadAverage: number;
  /** The pauses inside the answer long enough to be between sentences. */
  readonly sentenceGapsMs: readonly number[];
  /** What listen printed as heard and as its answer (its first words), for checking the turn was a real one. */
  readonly heard: string | null;
  readonly answer: string | null;
  /** The answer given is this question's FAQ answer. */
  readonly answeredRight: boolean;
  /** Why the trial has no latency: no answer in time, listen ended, ... */
  readonly error?: string;
}

/** One start of `listen`: to its welcome, and from the welcome's end to listening. */
export interface WelcomeRecord {
  /** From starting the process to the welcome's first sound at the speaker. */
  readonly startToSoundMs: number | null;
  /** From the welcome's last sound at the speaker to listen showing it listens. */
  readonly welcomeToReadyMs: number | null;
  readonly error?: string;
}

export interface RunSettings {
  readonly date: string;
  readonly cores: number;
  readonly platform: string;
  readonly node: string;
  readonly command: string;
  /** The commit measured ("-dirty" with uncommitted changes) and when its CLI was built. */
  readonly revision: string;
  readonly voices: readonly string[];
  readonly questions: readonly string[];
  readonly noiseDbfs: number;
  /** The machine's 1-minute load average at the start and the end: other work on its cores slows listen. */
  readonly loadAverage: readonly [number, number];
  readonly sentenceGapMs: number;
  /** One tone played into both devices at once: how far apart the bench times its start on each. */
  readonly clockCheckMs: readonly number[];
}

export interface ConversationRun {
  readonly settings: RunSettings;
  readonly welcomes: readonly WelcomeRecord[];
  readonly trials: readonly TrialRecord[];
}

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p95: number;
  readonly min: number;
  readonly max: number;
}

/** Median (mean of the middle two when even) and nearest-rank p95, as bench:voice reports them. */
export function summarize(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = Number.isInteger(middle)
    ? ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
    : (sorted[Math.floor(middle)] as number);
  return {
    n: sorted.length,
    median,
    p95: quantile(sorted, 0.95),
    min: sorted[0] as number,
    max: sorted.at(-1) as number,
  };
}

/** Issue 12's acceptance bar for the answer latency. */
export const LATENCY_TARGET_MS = 500;

export interface LatencyFigures {
  readonly asked: number;
  readonly answered: number;
  readonly answeredRight: number;
  readonly latencyMs: Summary | null;
  readonly heardAfterMs: Summary | null;
  readonly answerShownAfterMs: Summary | null;
  readonly listenCpuMs: Summary | null;
  readonly byVoice: Readonly<Record<string, Summary | null>>;
  readonly startToWelcomeMs: Summary | null;
  readonly welcomeToReadyMs: Summary | null;
  readonly sentenceGapsMs: Summary | null;
  readonly targetMedianMs: number;
  readonly meetsTarget: boolean | null;
}

/** Issue 12's measurements, in its order; only the latency can be measured before --wake and barge-in exist. */
export const SCENARIOS = [
  { id: "latency", title: "Answer latency" },
  {
    id: "false-wakes",
    title: "False wakes per hour",
    notYet:
      "needs `listen --wake` (issue 12, part 2) and an hour of other speech, the skill's own answers and babble played into the microphone",
  },
  {
    id: "wake-misses",
    title: "Wake-word misses",
    notYet:
      "needs `listen --wake` (issue 12, part 2): the wake word spoken by six voices, clean and at 10 dB SNR",
  },
  {
    id: "barge-in",
    title: "Barge-in: stop during an answer",
    notYet:
      "needs listen to hear the microphone while it speaks (issue 12, part 3); then 'stop' is played during an answer and the time to silence at the speaker measured",
  },
  {
    id: "false-stops",
    title: "False stops from the answer's own echo",
    notYet:
      "needs barge-in (issue 12, part 3) and a loopback that mixes the speaker's sound back into the microphone at a realistic level",
  },
] as const;

export type ScenarioId = (typeof SCENARIOS)[number]["id"];

export function latencyFigures(run: ConversationRun): LatencyFigures {
  const timed = run.trials.filter((trial) => trial.latencyMs !== null);
  const latencies = timed.map((trial) => trial.latencyMs as number);
  const byVoice: Record<string, Summary | null> = {};
  for (const voice of run.settings.voices)
    byVoice[voice] = summarize(
      timed.filter((trial) => trial.voice === voice).map((trial) => trial.latencyMs as number),
    );
  const latencyMs = summarize(latencies);
  return {
    asked: run.trials.length,
    answered: timed.length,
    answeredRight: run.trials.filter((trial) => trial.answeredRight).length,
    latencyMs,
    heardAfterMs: summarize(numbers(timed.map((trial) => trial.heardAfterMs))),
    answerShownAfterMs: summarize(numbers(timed.map((trial) => trial.answerShownAfterMs))),
    listenCpuMs: summarize(numbers(timed.map((trial) => trial.listenCpuMs))),
    byVoice,
    startToWelcomeMs: summarize(numbers(run.welcomes.map((welcome) => welcome.startToSoundMs))),
    welcomeToReadyMs: summarize(numbers(run.welcomes.map((welcome) => welcome.welcomeToReadyMs))),
    sentenceGapsMs: summarize(timed.flatMap((trial) => trial.sentenceGapsMs)),
    targetMedianMs: LATENCY_TARGET_MS,
    meetsTarget: latencyMs ? latencyMs.median <= LATENCY_TARGET_MS : null,
  };
}

const numbers = (values: readonly (number | null)[]) =>
  values.filter((value): value is number => value !== null);

export type ScenarioReport =
  | {
      readonly id: ScenarioId;
      readonly title: string;
      readonly measured: true;
      readonly figures: LatencyFigures;
    }
  | { readonly id: ScenarioId; readonly title: string; readonly measured: false; readonly reason: string };

export function scenarioReports(run: ConversationRun): ScenarioReport[] {
  return SCENARIOS.map((scenario) =>
    "notYet" in scenario
      ? { id: scenario.id, title: scenario.title, measured: false, reason: scenario.notYet }
      : { id: scenario.id, title: scenario.title, measured: true, figures: latencyFigures(run) },
  );
}

/** conversation.json: the settings, each scenario's figures or why it has none, and every record. */
export function jsonOf(run: ConversationRun): string {
  return `${JSON.stringify(
    {
      settings: run.settings,
      scenarios: scenarioReports(run),
      welcomes: run.welcomes,
      trials: run.trials,
    },
    null,
    2,
  )}\n`;
}

const ms = (value: number | undefined | null) => (value == null ? "–" : `${Math.round(value)}`);
const cell = (text: string) => text.replace(/\|/g, "\\|");
const row = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
const rule = (columns: number) => `|${"---|".repeat(columns)}`;
const summaryRow = (label: string, summary: Summary | null) =>
  row([
    label,
    String(summary?.n ?? 0),
    ms(summary?.median),
    ms(summary?.p95),
    ms(summary?.min),
    ms(summary?.max),
  ]);

/** The one-line headline of a scenario, for the overview table and the printed summary. */
export function headlineOf(report: ScenarioReport): string {
  if (!report.measured) return "not yet measured";
  const { latencyMs, answered, asked, targetMedianMs, meetsTarget } = report.figures;
  if (!latencyMs) return `no answer timed (0 of ${asked})`;
  const verdict = meetsTarget ? "meets" : "misses";
  return `median ${ms(latencyMs.median)} ms, p95 ${ms(latencyMs.p95)} ms over ${answered} of ${asked} questions (${verdict} the ${targetMedianMs} ms target)`;
}

function latencySection(run: ConversationRun, figures: LatencyFigures): string[] {
  const lines = [
    "From the last sample of a question at the microphone device to the first sound of the answer at the speaker",
    "device. Both are found by energy above each device's recorded noise floor, in 10 ms frames, on recordings of",
    "the two devices' monitors; the times come from one clock. The gaps are the pauses of at least",
    `${run.settings.sentenceGapMs} ms inside an answer, which is where its sentences meet. The printed rows time`,
    "listen's output as the bench reads it (the endpoint decision with the reading, then the skill's answer):",
    "they split the latency into listening, thinking and speaking. The processor time is listen's own process",
    "(recognizer and skill, not the speech synthesizer it starts) over the same wait; the load is the machine's",
    "1-minute load average, which other work on its cores raises.",
    "",
    `The instrument's own error: one tone played into both devices at once starts ${run.settings.clockCheckMs.map((value) => `${Math.round(value)}`).join(", ") || "–"} ms`,
    "later at the speaker than at the microphone, as timed here (it should be 0).",
    "",
    row(["ms", "n", "median", "p95", "min", "max"]),
    rule(6),
    summaryRow("end of question → first answer sound", figures.latencyMs),
    summaryRow("end of question → words heard printed", figures.heardAfterMs),
    summaryRow("end of question → answer text printed", figures.answerShownAfterMs),
    summaryRow("listen's own processor time in that wait", figures.listenCpuMs),
    summaryRow("start → first welcome sound", figures.startToWelcomeMs),
    summaryRow("end of welcome → listening", figures.welcomeToReadyMs),
    summaryRow("gaps between answer sentences", figures.sentenceGapsMs),
    "",
    `Answered with the question's own answer: ${figures.answeredRight} of ${figures.asked}. Target: median at most ` +
      `${figures.targetMedianMs} ms${figures.meetsTarget === null ? "." : figures.meetsTarget ? ": met." : ": not met."}`,
    "",
    "### By voice",
    "",
    row(["voice", "n", "median", "p95", "min", "max"]),
    rule(6),
    ...Object.entries(figures.byVoice).map(([voice, summary]) => summaryRow(voice, summary)),
    "",
    "### Every question",
    "",
    row(["#", "voice", "question", "heard", "right answer", "latency ms", "sentence gaps ms", "load"]),
    rule(8),
    ...run.trials.map((trial) =>
      row([
        String(trial.index + 1),
        trial.voice,
        trial.question,
        trial.heard ?? "–",
        trial.answeredRight ? "yes" : "no",
        trial.latencyMs === null ? `– (${trial.error ?? "no answer"})` : ms(trial.latencyMs),
        trial.sentenceGapsMs.map((gap) => ms(gap)).join(", ") || "–",
        trial.loadAverage.toFixed(2),
      ]),
    ),
  ];
  const failedStarts = run.welcomes.filter((welcome) => welcome.error);
  if (failedStarts.length > 0)
    lines.push("", ...failedStarts.map((welcome) => `- a start of listen failed: ${welcome.error}`));
  return lines;
}

/** conversation.md: what was run, the scenarios at a glance, then a section each. */
export function markdownOf(run: ConversationRun): string {
  const { settings } = run;
  const reports = scenarioReports(run);
  const lines = [
    "# Conversation benchmark",
    "",
    "`npm run bench:conversation`: `her-faq listen` in a live conversation, measured from outside its process on",
    "audio paced in real time. A private PulseAudio server has two null sinks: spoken questions are played into",
    "`mic`, whose monitor is the default source listen hears; listen's answers play to `spk`, whose monitor the",
    "bench records, as it records `mic`'s. The microphone carries a steady noise floor, as a real one does.",
    "",
    `Run ${settings.date} on ${settings.cores} cores (${settings.platform}, Node ${settings.node}): \`${settings.command}\``,
    `at ${settings.revision};`,
    `${settings.questions.length} questions × ${settings.voices.length} voices (${settings.voices.join(", ")}),`,
    `microphone noise floor ${settings.noiseDbfs} dBFS, load average ${settings.loadAverage.join(" → ")}.`,
    "",
    "## Scenarios",
    "",
    row(["scenario", "result"]),
    rule(2),
    ...reports.map((report) => row([report.title, headlineOf(report)])),
  ];
  for (const report of reports) {
    lines.push("", `## ${report.title}`, "");
    if (report.measured) lines.push(...latencySection(run, report.figures));
    else lines.push(`Not yet measured: ${report.reason}.`);
  }
  return `${lines.join("\n")}\n`;
}
