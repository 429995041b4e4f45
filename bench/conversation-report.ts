/**
 * The conversation benchmark's report, pure: the records of a run in, the figures (conversation.json) and the
 * tables (conversation.md) out. One section per scenario of issue 12's list; those not measured yet (or not
 * in this run) say so and why, with no figures.
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
  /**
   * How listen ended the turn, from its --verbose turn line: after a complete question's short pause, or after
   * the endpointer's full one; and the silence it waited (audio time). Null without --verbose.
   */
  readonly endedBy?: { readonly completeQuestion: boolean; readonly endpointMs: number } | null;
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

/** One answer played with its own echo mixed back into the microphone: did it play to its end? */
export interface EchoAnswerRecord {
  readonly faqId: string;
  readonly question: string;
  /** The answer's sound at the speaker, first to last; null when it never started. */
  readonly playedMs: number | null;
  /** What its sentences last, made by listen's synthesizer as its speaker makes them: its natural length. */
  readonly fullMs: number | null;
  /** The echo's level at the microphone over the answer (RMS above a whisper), in dB under the user's speech. */
  readonly echoBelowSpeechDb: number | null;
  /** From the answer's first sound at the speaker to its echo's at the microphone. */
  readonly echoDelayMs: number | null;
  /** What listen printed as heard while the answer played (its Stop turn prints "stop"). */
  readonly heard: string | null;
  readonly falseStop: boolean;
  readonly loadAverage: number;
  readonly error?: string;
}

/** What cutting in says: "stop", or the wake word followed by a question. */
export type BargeInKind = "stop" | "wake";

/** One word said over an answer (with its echo in the microphone), timed at the devices. */
export interface BargeInRecord {
  readonly kind: BargeInKind;
  readonly voice: string;
  /** The FAQ answer that was playing. */
  readonly faqId: string;
  /** From the answer's first sound to the start of the word said over it. */
  readonly saidAfterMs: number;
  /**
   * From the last sample of the word ("stop", or the wake word) at the microphone device to the answer's
   * last sound at the speaker device; null when it was not silenced within the bench's wait.
   */
  readonly bargeInMs: number | null;
  /** After the wake word: the question said, what listen heard, and whether it gave that question's answer. */
  readonly followUp: string | null;
  readonly followUpHeard: string | null;
  readonly followUpAnsweredRight: boolean | null;
  readonly loadAverage: number;
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
  /**
   * Times a sound played into a sink ran dry before its end (pacat's underruns), each a gap in what was said;
   * absent from runs before it was counted.
   */
  readonly playbackUnderruns?: number;
  /** The answers' echo in the microphone, for the barge-in and false-stop scenarios; null when not run. */
  readonly echo: EchoSettings | null;
}

export interface EchoSettings {
  /** The level asked for: this many dB under the user's speech. */
  readonly belowSpeechDb: number;
  /** The delay asked of PulseAudio's loopback from the speaker's monitor to the microphone. */
  readonly loopbackDelayMs: number;
  /** The voices that said "stop" and the wake word, each `repeats` times. */
  readonly bargeInVoices: readonly string[];
  readonly repeats: number;
  /** The window after a word in which the answer must fall silent, else the word was missed. */
  readonly waitMs: number;
  /** An answer whose sound ends this much before its natural length was cut short. */
  readonly shortByMs: number;
  /**
   * Tones played where the user speaks: how much later each reached the microphone sink than the user's own
   * recording, on which a word's end is found. Their median is added to every word's time.
   */
  readonly saidToMicMs: readonly number[];
}

/** How `listen --wake` was run and heard: the same process for the misses and the other talk. */
export interface WakeSettings {
  readonly command: string;
  /** From starting the process to its first waiting status. */
  readonly startToWaitingMs: number | null;
  /** The voices that said the wake word and the questions, each `repeats` times in each condition. */
  readonly voices: readonly string[];
  readonly repeats: number;
  readonly conditions: readonly string[];
  /** The other talk: who read it, what besides the skill's own answers, and how much of it was asked for. */
  readonly talkers: readonly string[];
  readonly texts: readonly string[];
  readonly talkMinutes: number;
  /** Times the process was started again (it ended, or never went back to waiting). */
  readonly restarts: number;
}

/** One "Samantha, <question>", its follow-up without the word, then "stop": timed at the devices. */
export interface WakeTrialRecord {
  readonly voice: string;
  /** "clean", or the noise under every word said and its level ("babble 10 dB"). */
  readonly condition: string;
  readonly question: string;
  /** listen went from waiting to listening after the word. */
  readonly woken: boolean;
  /** From the question's last sample at the microphone device to its answer's first sound at the speaker. */
  readonly latencyMs: number | null;
  readonly heard: string | null;
  readonly answeredRight: boolean;
  /** The question asked after the answer, without the wake word, while the session is open. */
  readonly followUp: string;
  readonly followUpHeard: string | null;
  readonly followUpLatencyMs: number | null;
  readonly followUpAnsweredRight: boolean;
  /** After "stop": back to waiting for the word; null when the session had ended before it was said. */
  readonly backToWaiting: boolean | null;
  readonly loadAverage: number;
  readonly error?: string;
}

/** One wake in the other talk: when, during what, and what listen heard and said before waiting again. */
export interface FalseWakeRecord {
  /** Into the talk, counting only the talk played. */
  readonly atTalkMs: number;
  readonly voice: string;
  readonly babble: boolean;
  /** The start of the sentences being read. */
  readonly during: string;
  readonly heard: readonly string[];
  readonly answers: readonly string[];
  /** From the wake to waiting again; null when it never did (the process was started again). */
  readonly backToWaitingMs: number | null;
}

/** An hour (or what was asked) of talk nobody addressed to the skill, played while listen waited. */
export interface FalseWakeRun {
  /** The talk's speech played (pauses between its sentences left out), and the part of it under babble. */
  readonly talkMs: number;
  readonly babbleMs: number;
  /** The speech heard while listen was waiting: the talk up to each wake, none while a session was open. */
  readonly waitingTalkMs: number;
  readonly stretches: number;
  readonly wakes: readonly FalseWakeRecord[];
}

export interface ConversationRun {
  readonly settings: RunSettings;
  readonly welcomes: readonly WelcomeRecord[];
  readonly trials: readonly TrialRecord[];
  readonly echoAnswers: readonly EchoAnswerRecord[];
  readonly bargeIns: readonly BargeInRecord[];
  /** The wake scenarios' settings; null when neither was run. */
  readonly wake: WakeSettings | null;
  readonly wakeTrials: readonly WakeTrialRecord[];
  readonly falseWakes: FalseWakeRun | null;
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

/** How a turn ended, from listen --verbose's line for it ("turn: endpoint 260 ms (a complete question), ..."). */
export function turnEnding(line: string): TrialRecord["endedBy"] {
  const match = /turn: endpoint (\d+) ms \((a complete question|a pause)\)/.exec(line);
  return match
    ? { completeQuestion: match[2] === "a complete question", endpointMs: Number(match[1]) }
    : null;
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
  /** Of the answered questions whose turn line was read: how many ended on a complete question's short pause. */
  readonly endedByCompleteQuestion: { readonly of: number; readonly count: number };
  readonly byVoice: Readonly<Record<string, Summary | null>>;
  readonly startToWelcomeMs: Summary | null;
  readonly welcomeToReadyMs: Summary | null;
  readonly sentenceGapsMs: Summary | null;
  readonly targetMedianMs: number;
  readonly meetsTarget: boolean | null;
}

/** Issue 12's bar for barge-in: the answer silenced within this long of "stop". */
export const BARGE_IN_TARGET_MS = 300;

/** Issue 12's bars for `listen --wake`: false wakes per hour of other talk, and the share of words missed. */
export const FALSE_WAKES_TARGET_PER_HOUR = 0.5;
export const MISSES_TARGET = 0.05;

/** Issue 12's measurements, in its order. */
export const SCENARIOS = [
  { id: "latency", title: "Answer latency" },
  { id: "false-wakes", title: "False wakes per hour" },
  { id: "wake-misses", title: "Wake-word misses" },
  { id: "barge-in", title: "Barge-in: stop during an answer" },
  { id: "false-stops", title: "False stops from the answer's own echo" },
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
    endedByCompleteQuestion: {
      of: timed.filter((trial) => trial.endedBy).length,
      count: timed.filter((trial) => trial.endedBy?.completeQuestion).length,
    },
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

export interface BargeInKindFigures {
  readonly trials: number;
  /** Not silenced within the wait: the word was not heard over the answer. */
  readonly missed: number;
  readonly withinTargetMs: number;
  readonly bargeInMs: Summary | null;
  readonly byVoice: Readonly<Record<string, Summary | null>>;
  /** After the wake word: questions answered with their own answer. */
  readonly followUpsAnsweredRight: number;
}

export interface BargeInFigures {
  readonly stop: BargeInKindFigures;
  readonly wake: BargeInKindFigures;
  readonly targetMs: number;
}

export function bargeInFigures(run: ConversationRun): BargeInFigures {
  const figuresOf = (kind: BargeInKind): BargeInKindFigures => {
    const trials = run.bargeIns.filter((trial) => trial.kind === kind);
    const timed = numbers(trials.map((trial) => trial.bargeInMs));
    const byVoice: Record<string, Summary | null> = {};
    for (const voice of new Set(trials.map((trial) => trial.voice)))
      byVoice[voice] = summarize(
        numbers(trials.filter((trial) => trial.voice === voice).map((trial) => trial.bargeInMs)),
      );
    return {
      trials: trials.length,
      missed: trials.length - timed.length,
      withinTargetMs: timed.filter((ms) => ms <= BARGE_IN_TARGET_MS).length,
      bargeInMs: summarize(timed),
      byVoice,
      followUpsAnsweredRight: trials.filter((trial) => trial.followUpAnsweredRight).length,
    };
  };
  return { stop: figuresOf("stop"), wake: figuresOf("wake"), targetMs: BARGE_IN_TARGET_MS };
}

/**
 * The times listen woke: each change of its status from waiting for the word to listening. Its "(listening)"
 * after an answer, in a session the word opened, is no wake.
 */
export function wakesIn(statuses: readonly { readonly kind: string; readonly atMs: number }[]): number[] {
  const wakes: number[] = [];
  let waiting = false;
  for (const status of statuses) {
    if (status.kind === "listening" && waiting) wakes.push(status.atMs);
    if (status.kind === "listening" || status.kind === "waiting") waiting = status.kind === "waiting";
  }
  return wakes;
}

export interface FalseWakeFigures {
  readonly wakes: number;
  readonly talkHours: number;
  readonly babbleHours: number;
  /** The talk heard while waiting, by which the wakes are counted per hour. */
  readonly waitingHours: number;
  readonly perHour: number | null;
  readonly targetPerHour: number;
  readonly meetsTarget: boolean | null;
}

export function falseWakeFigures(talk: FalseWakeRun): FalseWakeFigures {
  const hours = (ms: number) => ms / 3_600_000;
  const waitingHours = hours(talk.waitingTalkMs);
  const perHour = waitingHours > 0 ? talk.wakes.length / waitingHours : null;
  return {
    wakes: talk.wakes.length,
    talkHours: hours(talk.talkMs),
    babbleHours: hours(talk.babbleMs),
    waitingHours,
    perHour,
    targetPerHour: FALSE_WAKES_TARGET_PER_HOUR,
    meetsTarget: perHour === null ? null : perHour <= FALSE_WAKES_TARGET_PER_HOUR,
  };
}

/** Trials and the words missed among them. */
export interface MissCount {
  readonly trials: number;
  readonly missed: number;
}

export interface WakeMissFigures extends MissCount {
  readonly missRate: number;
  readonly byCondition: Readonly<Record<string, MissCount>>;
  readonly byVoice: Readonly<Record<string, MissCount>>;
  /** Woken, and the question in the same breath given its own answer. */
  readonly answeredRight: number;
  /** End of the question at the microphone to its answer's first sound, over the wakes answered. */
  readonly latencyMs: Summary | null;
  readonly followUpsAnsweredRight: number;
  readonly followUpLatencyMs: Summary | null;
  /** Trials in which "stop" was said, and those that went back to waiting for the word after it. */
  readonly stopped: number;
  readonly backToWaiting: number;
  readonly targetMissRate: number;
  readonly meetsTarget: boolean;
}

export function wakeMissFigures(trials: readonly WakeTrialRecord[]): WakeMissFigures {
  const count = (of: readonly WakeTrialRecord[]): MissCount => ({
    trials: of.length,
    missed: of.filter((trial) => !trial.woken).length,
  });
  const by = (key: (trial: WakeTrialRecord) => string) => {
    const groups: Record<string, MissCount> = {};
    for (const value of new Set(trials.map(key)))
      groups[value] = count(trials.filter((trial) => key(trial) === value));
    return groups;
  };
  const all = count(trials);
  const missRate = all.trials > 0 ? all.missed / all.trials : 0;
  const woken = trials.filter((trial) => trial.woken);
  return {
    ...all,
    missRate,
    byCondition: by((trial) => trial.condition),
    byVoice: by((trial) => trial.voice),
    answeredRight: woken.filter((trial) => trial.answeredRight).length,
    latencyMs: summarize(numbers(woken.map((trial) => trial.latencyMs))),
    followUpsAnsweredRight: woken.filter((trial) => trial.followUpAnsweredRight).length,
    followUpLatencyMs: summarize(numbers(woken.map((trial) => trial.followUpLatencyMs))),
    stopped: trials.filter((trial) => trial.backToWaiting !== null).length,
    backToWaiting: trials.filter((trial) => trial.backToWaiting).length,
    targetMissRate: MISSES_TARGET,
    meetsTarget: all.trials > 0 && missRate <= MISSES_TARGET,
  };
}

export interface FalseStopFigures {
  /** Answers that started playing, with their natural length known. */
  readonly answers: number;
  readonly falseStops: number;
  readonly echoBelowSpeechDb: Summary | null;
  readonly echoDelayMs: Summary | null;
}

export function falseStopFigures(run: ConversationRun): FalseStopFigures {
  const judged = run.echoAnswers.filter((answer) => answer.playedMs !== null && answer.fullMs !== null);
  return {
    answers: judged.length,
    falseStops: judged.filter((answer) => answer.falseStop).length,
    echoBelowSpeechDb: summarize(numbers(run.echoAnswers.map((answer) => answer.echoBelowSpeechDb))),
    echoDelayMs: summarize(numbers(run.echoAnswers.map((answer) => answer.echoDelayMs))),
  };
}

/**
 * Whether an answer played with its echo was cut short: listen took "stop" as said, or its sound at the
 * speaker ended more than `shortByMs` before its natural length (the wake word silences without a word
 * printed). A cut in its last `shortByMs` is not seen.
 */
export function isFalseStop(
  playedMs: number | null,
  fullMs: number | null,
  heard: string | null,
  shortByMs: number,
): boolean {
  if (heard === "stop") return true;
  return playedMs !== null && fullMs !== null && playedMs < fullMs - shortByMs;
}

interface Titled {
  readonly id: ScenarioId;
  readonly title: string;
}

export type ScenarioReport =
  | (Titled & { readonly measured: true; readonly figures: LatencyFigures })
  | (Titled & { readonly measured: true; readonly figures: FalseWakeFigures })
  | (Titled & { readonly measured: true; readonly figures: WakeMissFigures })
  | (Titled & { readonly measured: true; readonly figures: BargeInFigures })
  | (Titled & { readonly measured: true; readonly figures: FalseStopFigures })
  | (Titled & { readonly measured: false; readonly reason: string });

const NO_QUESTIONS = "this run asked the plain `listen` no questions (--questions 0)";
const NO_ECHO = "this run had no echo loopback (--echo-answers 0 and --barge-ins 0)";
const NO_TALK = "this run played no other talk to `listen --wake` (--wake-talk-minutes 0)";
const NO_WAKE_TRIALS = "this run said no wake word to `listen --wake` (--wake-trials 0)";

export function scenarioReports(run: ConversationRun): ScenarioReport[] {
  return SCENARIOS.map((scenario): ScenarioReport => {
    const { id, title } = scenario;
    const notRun = (reason: string): ScenarioReport => ({ id, title, measured: false, reason });
    if (id === "latency")
      return run.trials.length === 0 && run.welcomes.length === 0
        ? notRun(NO_QUESTIONS)
        : { id, title, measured: true, figures: latencyFigures(run) };
    if (id === "false-wakes")
      return run.falseWakes === null || run.falseWakes.talkMs === 0
        ? notRun(NO_TALK)
        : { id, title, measured: true, figures: falseWakeFigures(run.falseWakes) };
    if (id === "wake-misses")
      return run.wakeTrials.length === 0
        ? notRun(NO_WAKE_TRIALS)
        : { id, title, measured: true, figures: wakeMissFigures(run.wakeTrials) };
    if (id === "barge-in")
      return run.bargeIns.length === 0
        ? notRun(NO_ECHO)
        : { id, title, measured: true, figures: bargeInFigures(run) };
    return run.echoAnswers.length === 0
      ? notRun(NO_ECHO)
      : { id, title, measured: true, figures: falseStopFigures(run) };
  });
}

/** conversation.json: the settings, each scenario's figures or why it has none, and every record. */
export function jsonOf(run: ConversationRun): string {
  return `${JSON.stringify(
    {
      settings: run.settings,
      scenarios: scenarioReports(run),
      welcomes: run.welcomes,
      trials: run.trials,
      echoAnswers: run.echoAnswers,
      bargeIns: run.bargeIns,
      wake: run.wake,
      wakeTrials: run.wakeTrials,
      falseWakes: run.falseWakes,
    },
    null,
    2,
  )}\n`;
}

const ms = (value: number | undefined | null) => (value == null ? "–" : `${Math.round(value)}`);
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
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
  if (!report.measured) return "not run this time";
  if ("stop" in report.figures) return bargeInHeadline(report.figures);
  if ("perHour" in report.figures) {
    const { wakes, waitingHours, babbleHours, perHour, targetPerHour, meetsTarget } = report.figures;
    const verdict = meetsTarget ? "meets" : "misses";
    return `${wakes} in ${waitingHours.toFixed(2)} h of other talk (${babbleHours.toFixed(2)} h of it in babble): ${perHour?.toFixed(2) ?? "–"} per hour (${verdict} the ${targetPerHour} per hour target)`;
  }
  if ("missRate" in report.figures) {
    const { missed, trials, missRate, targetMissRate, meetsTarget, latencyMs, answeredRight } =
      report.figures;
    const verdict = meetsTarget ? "meets" : "misses";
    const latency = latencyMs ? `; answer ${ms(latencyMs.median)} ms after the question (median)` : "";
    return `${missed} of ${trials} missed (${percent(missRate)}, ${verdict} the ${percent(targetMissRate)} target), ${answeredRight} answered right${latency}`;
  }
  if ("falseStops" in report.figures) {
    const { falseStops, answers, echoBelowSpeechDb, echoDelayMs } = report.figures;
    const level = echoBelowSpeechDb ? `, echo ${echoBelowSpeechDb.median.toFixed(1)} dB under speech` : "";
    const delay = echoDelayMs ? ` ${ms(echoDelayMs.median)} ms late` : "";
    return `${falseStops} of ${answers} answers stopped by their own echo${level}${delay} (medians)`;
  }
  const { latencyMs, answered, asked, targetMedianMs, meetsTarget } = report.figures;
  if (!latencyMs) return `no answer timed (0 of ${asked})`;
  const verdict = meetsTarget ? "meets" : "misses";
  return `median ${ms(latencyMs.median)} ms, p95 ${ms(latencyMs.p95)} ms over ${answered} of ${asked} questions (${verdict} the ${targetMedianMs} ms target)`;
}

function bargeInHeadline(figures: BargeInFigures): string {
  const { stop, wake, targetMs } = figures;
  const timed = (kind: BargeInKindFigures) =>
    kind.bargeInMs
      ? `median ${ms(kind.bargeInMs.median)} ms, p95 ${ms(kind.bargeInMs.p95)} ms, max ${ms(kind.bargeInMs.max)} ms`
      : "none timed";
  const parts = [
    `"stop": ${timed(stop)}; ${stop.withinTargetMs} of ${stop.trials} within ${targetMs} ms, ${stop.missed} missed`,
  ];
  if (wake.trials > 0)
    parts.push(
      `wake word: ${timed(wake)}, ${wake.missed} of ${wake.trials} missed, ${wake.followUpsAnsweredRight} of ${wake.trials} questions after it answered`,
    );
  return parts.join("; ");
}

function bargeInSection(run: ConversationRun, figures: BargeInFigures): string[] {
  const echo = run.settings.echo;
  const kindRows = (label: string, kind: BargeInKindFigures) => [
    summaryRow(label, kind.bargeInMs),
    ...Object.entries(kind.byVoice).map(([voice, summary]) => summaryRow(`  ${voice}`, summary)),
  ];
  return [
    "While an answer plays, with its echo in the microphone (see the next section), a word is played into the",
    'microphone device: "stop", or the wake word followed by a question, each by',
    `${echo?.bargeInVoices.length ?? 0} voices ${echo?.repeats ?? 0} times, 1 to 2 s into a long answer. Timed from the`,
    "word's last sample at the microphone device (found on a recording of the user's words alone, played into",
    "the microphone and a sink of their own at once) to the answer's last sound at the speaker device before",
    `listen's next words. Missed: the answer was not silenced within ${echo?.waitMs ?? "–"} ms of the word.`,
    "",
    row(["ms", "n", "median", "p95", "min", "max"]),
    rule(6),
    ...kindRows('"stop" → answer silent', figures.stop),
    ...kindRows("wake word → answer silent", figures.wake),
    "",
    `"stop": ${figures.stop.withinTargetMs} of ${figures.stop.trials} silenced within ${figures.targetMs} ms, ${figures.stop.missed} missed. ` +
      `Wake word: ${figures.wake.withinTargetMs} of ${figures.wake.trials} within ${figures.targetMs} ms, ${figures.wake.missed} missed; ` +
      `the question after it answered with its own answer ${figures.wake.followUpsAnsweredRight} of ${figures.wake.trials} times.`,
    "",
    row([
      "#",
      "word",
      "voice",
      "answer",
      "said after ms",
      "barge-in ms",
      "question after it",
      "heard",
      "right",
      "load",
    ]),
    rule(10),
    ...run.bargeIns.map((trial, index) =>
      row([
        String(index + 1),
        trial.kind === "stop" ? "stop" : "wake word",
        trial.voice,
        trial.faqId,
        ms(trial.saidAfterMs),
        trial.bargeInMs === null ? `missed${trial.error ? ` (${trial.error})` : ""}` : ms(trial.bargeInMs),
        trial.followUp ?? "–",
        trial.followUpHeard ?? "–",
        trial.followUpAnsweredRight === null ? "–" : trial.followUpAnsweredRight ? "yes" : "no",
        trial.loadAverage.toFixed(2),
      ]),
    ),
  ];
}

function falseWakeSection(run: ConversationRun, figures: FalseWakeFigures): string[] {
  const { wake } = run;
  const wakes = run.falseWakes?.wakes ?? [];
  const verdict = figures.meetsTarget === null ? "." : figures.meetsTarget ? ": met." : ": not met.";
  return [
    `\`${wake?.command ?? "her-faq listen --wake"}\` waits for the wake word while other talk is played into the microphone`,
    `device in real time: Debian's license texts (${wake?.texts.join(", ") || "–"}) and the skill's own answers without the sentences that`,
    `name Samantha, a few sentences at a time, read in turn by ${wake?.talkers.join(", ") || "–"}, one stretch in`,
    "four under babble at 10 dB SNR, with pauses of 0.3 to 1.1 s between them; every sixth stretch is instead a short",
    'saying (a command, a reply or a name, many beginning as "Samantha" does) after 1.5 s of quiet. Each change of listen\'s status from',
    "waiting to listening is a wake; after one the talk pauses until listen waits again, and only the talk heard",
    "while it waited counts.",
    "",
    `False wakes: ${figures.wakes} in ${figures.waitingHours.toFixed(2)} h of talk heard while waiting ` +
      `(${figures.talkHours.toFixed(2)} h played in ${run.falseWakes?.stretches ?? 0} stretches, ${figures.babbleHours.toFixed(2)} h of it in babble): ` +
      `${figures.perHour?.toFixed(2) ?? "–"} per hour. Target: at most ${figures.targetPerHour} per hour${verdict}`,
    ...(wakes.length === 0
      ? []
      : [
          "",
          row([
            "#",
            "at min",
            "voice",
            "babble",
            "during",
            "heard after it",
            "answered",
            "back to waiting s",
          ]),
          rule(8),
          ...wakes.map((falseWake, index) =>
            row([
              String(index + 1),
              (falseWake.atTalkMs / 60_000).toFixed(1),
              falseWake.voice,
              falseWake.babble ? "yes" : "no",
              falseWake.during,
              falseWake.heard.join(" / ") || "–",
              falseWake.answers.join(" / ") || "–",
              falseWake.backToWaitingMs === null ? "never" : (falseWake.backToWaitingMs / 1000).toFixed(1),
            ]),
          ),
        ]),
  ];
}

function wakeMissSection(run: ConversationRun, figures: WakeMissFigures): string[] {
  const wake = run.wake;
  const counted = (count: MissCount) => `${count.missed} of ${count.trials}`;
  const yes = (value: boolean | null) => (value === null ? "–" : value ? "yes" : "no");
  return [
    `\`${wake?.command ?? "her-faq listen --wake"}\`, waiting, hears "Samantha, <question>" in one breath, by`,
    `${wake?.voices.length ?? 0} voices ${wake?.repeats ?? 0} time(s) in each condition (${wake?.conditions.join(", ") || "–"};`,
    "the noise under every word said, from 300 ms before it). Once answered, a follow-up question without the",
    'word, then "stop". Missed: listen did not go from waiting to listening. Latency: from the question\'s last',
    "sample at the microphone device to its answer's first sound at the speaker device.",
    "",
    `Missed ${counted(figures)} (${percent(figures.missRate)}; target at most ${percent(figures.targetMissRate)}: ${figures.meetsTarget ? "met" : "not met"}). ` +
      `Woken and answered with the question's own answer: ${figures.answeredRight}; the follow-up answered right: ${figures.followUpsAnsweredRight}; ` +
      `back to waiting after "stop": ${figures.backToWaiting} of ${figures.stopped}.`,
    "",
    row(["condition or voice", "missed"]),
    rule(2),
    ...Object.entries(figures.byCondition).map(([condition, count]) => row([condition, counted(count)])),
    ...Object.entries(figures.byVoice).map(([voice, count]) => row([voice, counted(count)])),
    "",
    row(["ms", "n", "median", "p95", "min", "max"]),
    rule(6),
    summaryRow("end of question after the word → answer", figures.latencyMs),
    summaryRow("end of follow-up → answer", figures.followUpLatencyMs),
    "",
    row([
      "#",
      "voice",
      "condition",
      "question",
      "woken",
      "heard",
      "right",
      "latency ms",
      "follow-up heard",
      "right",
      "back to waiting",
      "load",
    ]),
    rule(12),
    ...run.wakeTrials.map((trial, index) =>
      row([
        String(index + 1),
        trial.voice,
        trial.condition,
        trial.question,
        trial.woken ? "yes" : "no",
        trial.heard ?? "–",
        trial.woken ? yes(trial.answeredRight) : "–",
        trial.latencyMs === null && trial.error ? `– (${trial.error})` : ms(trial.latencyMs),
        trial.followUpHeard ?? "–",
        trial.woken ? yes(trial.followUpAnsweredRight) : "–",
        yes(trial.backToWaiting),
        trial.loadAverage.toFixed(2),
      ]),
    ),
  ];
}

function falseStopSection(run: ConversationRun, figures: FalseStopFigures): string[] {
  const echo = run.settings.echo;
  return [
    "The answer playing at the speaker device is mixed back into the microphone device by PulseAudio's",
    `loopback (module-loopback, ${echo?.loopbackDelayMs ?? "–"} ms asked), its level set from the answers' level at the`,
    `speaker to ${echo?.belowSpeechDb ?? "–"} dB under the user's questions (RMS of the samples above a whisper), over the`,
    "microphone's noise floor. The echo comes after PulseAudio's own delays on listen's playback and capture; it",
    "has no room reflections (bench:barge-in simulates those offline). Questions with answers of 13 to 25 s are",
    'asked; an answer is stopped falsely when listen prints "stop" over it, or its sound at the speaker ends',
    `more than ${echo?.shortByMs ?? "–"} ms before its natural length (its sentences made by listen's own synthesizer`,
    "afterwards, as its speaker makes them).",
    "",
    `False stops: ${figures.falseStops} of ${figures.answers} answers.`,
    "",
    row(["", "n", "median", "p95", "min", "max"]),
    rule(6),
    row([
      "echo under speech, dB",
      String(figures.echoBelowSpeechDb?.n ?? 0),
      ...["median", "p95", "min", "max"].map((key) =>
        figures.echoBelowSpeechDb
          ? (figures.echoBelowSpeechDb[key as keyof Summary] as number).toFixed(1)
          : "–",
      ),
    ]),
    summaryRow("echo delay, speaker → microphone, ms", figures.echoDelayMs),
    "",
    row(["#", "question", "played ms", "natural ms", "echo dB under", "heard over it", "false stop", "load"]),
    rule(8),
    ...run.echoAnswers.map((answer, index) =>
      row([
        String(index + 1),
        answer.question,
        answer.playedMs === null ? `– (${answer.error ?? "no answer"})` : ms(answer.playedMs),
        ms(answer.fullMs),
        answer.echoBelowSpeechDb === null ? "–" : answer.echoBelowSpeechDb.toFixed(1),
        answer.heard ?? "–",
        answer.falseStop ? "yes" : "no",
        answer.loadAverage.toFixed(2),
      ]),
    ),
  ];
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
      `${figures.targetMedianMs} ms${figures.meetsTarget === null ? "." : figures.meetsTarget ? ": met." : ": not met."}` +
      (figures.endedByCompleteQuestion.of > 0
        ? ` Ended on a complete question's short pause: ${figures.endedByCompleteQuestion.count} of ` +
          `${figures.endedByCompleteQuestion.of} (the others waited out the endpointer's full pause).`
        : ""),
    "",
    "### By voice",
    "",
    row(["voice", "n", "median", "p95", "min", "max"]),
    rule(6),
    ...Object.entries(figures.byVoice).map(([voice, summary]) => summaryRow(voice, summary)),
    "",
    "### Every question",
    "",
    row([
      "#",
      "voice",
      "question",
      "heard",
      "right answer",
      "latency ms",
      "turn ended by",
      "sentence gaps ms",
      "load",
    ]),
    rule(9),
    ...run.trials.map((trial) =>
      row([
        String(trial.index + 1),
        trial.voice,
        trial.question,
        trial.heard ?? "–",
        trial.answeredRight ? "yes" : "no",
        trial.latencyMs === null ? `– (${trial.error ?? "no answer"})` : ms(trial.latencyMs),
        trial.endedBy
          ? `${trial.endedBy.completeQuestion ? "complete question" : "pause"}, ${ms(trial.endedBy.endpointMs)} ms`
          : "–",
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

/** How `listen --wake` was run: the wake scenarios' own process. */
function wakeLine(wake: WakeSettings): string {
  const started =
    wake.startToWaitingMs === null
      ? ""
      : `, waiting ${(wake.startToWaitingMs / 1000).toFixed(1)} s after its start`;
  return `\`${wake.command}\` in a process of its own${started}, started again ${wake.restarts} times.`;
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
    ...(settings.playbackUnderruns === undefined
      ? []
      : [
          settings.playbackUnderruns === 0
            ? "Everything played into the sinks played whole (no underruns)."
            : `What was played into the sinks ran dry ${settings.playbackUnderruns} time(s) before its end: gaps in the words listen heard, which make its figures worse than the words alone would.`,
        ]),
    ...(run.wake ? ["", wakeLine(run.wake)] : []),
    "",
    "## Scenarios",
    "",
    row(["scenario", "result"]),
    rule(2),
    ...reports.map((report) => row([report.title, headlineOf(report)])),
  ];
  for (const report of reports) {
    lines.push("", `## ${report.title}`, "");
    if (!report.measured) lines.push(`Not measured this time: ${report.reason}.`);
    else if ("perHour" in report.figures) lines.push(...falseWakeSection(run, report.figures));
    else if ("missRate" in report.figures) lines.push(...wakeMissSection(run, report.figures));
    else if ("stop" in report.figures) lines.push(...bargeInSection(run, report.figures));
    else if ("falseStops" in report.figures) lines.push(...falseStopSection(run, report.figures));
    else lines.push(...latencySection(run, report.figures));
  }
  return `${lines.join("\n")}\n`;
}
