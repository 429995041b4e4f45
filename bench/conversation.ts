/**
 * The conversation benchmark: `her-faq listen` in a live conversation, measured from outside its process on
 * audio paced in real time (issue 12, part 5). Spoken questions are played into a private PulseAudio server's
 * "mic" sink, whose monitor listen hears as its microphone; its answers play to the "spk" sink; the bench
 * records both monitors and times everything on one clock. Then, with the answers mixed back into the
 * microphone by a PulseAudio loopback, it counts the answers their own echo stops, and times "stop" and the
 * wake word said over an answer. Last, `listen --wake` hears "Samantha, <question>" by six voices, clean and
 * in noise (its misses), and an hour of other talk (its false wakes). Writes conversation.md and
 * conversation.json to docs/bench (or --out) and prints the headline of each scenario.
 *
 *   npm run build && npm run bench:conversation
 *   npm run bench:conversation -- --questions 3 --voices flite:slt --echo-answers 2 --barge-ins 1 --out /tmp/bench
 *   npm run bench:conversation -- --questions 0 --echo-answers 0 --barge-ins 0 --wake-talk-minutes 2 --wake-trials 1 --out /tmp/wake
 *
 * Needs pulseaudio, pulseaudio-utils (pacat, parec, pactl) and libasound2-plugins (ALSA's pulse plugin, for
 * festival's aplay). Not run in CI.
 */
import { type ChildProcess, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Command, InvalidArgumentError } from "commander";
import { activeRms } from "../local-runner/audio/loopback.js";
import { type NoiseKind, withNoise, withNoiseUnderSpeech } from "../local-runner/audio/noise.js";
import { concatenated, encodeWav } from "../local-runner/audio/wav.js";
import { sanitizeForSpeech, sentencesOf } from "../local-runner/speech-out/sanitize.js";
import { defaultVoice } from "../local-runner/speech-out/speaker.js";
import { synthesizerFor } from "../local-runner/speech-out/streaming-speaker.js";
import { type SynthVoice, synthesize } from "../local-runner/speech-out/synthesize.js";
import { trimSilence as trimSentence } from "../local-runner/speech-out/trim-silence.js";
import { faq } from "../skill/faq/index.js";
import { BARGE_IN_VOICES } from "./barge-in-voices.js";
import {
  echoLagOf,
  FRAME_MS,
  lastSoundOf,
  noiseFloorOf,
  onsetOf,
  SILENT_DB,
  sampleAtTime,
  silencesIn,
  thresholdAbove,
  timeOfSample,
  trimSilence,
} from "./conversation-audio.js";
import {
  BenchSetupError,
  Children,
  checkAlsaReachesPulse,
  loadBothSink,
  loadEchoLoopback,
  loadUserSink,
  MIC_SINK,
  missingTools,
  noiseInto,
  type PrivatePulse,
  playInto,
  RATE,
  Recording,
  SPEAKER_SINK,
  sleep,
  startPulse,
  underrunsSoFar,
} from "./conversation-pulse.js";
import {
  type BargeInKind,
  type BargeInRecord,
  type ConversationRun,
  type EchoAnswerRecord,
  type EchoSettings,
  type FalseWakeRecord,
  type FalseWakeRun,
  headlineOf,
  isFalseStop,
  jsonOf,
  markdownOf,
  scenarioReports,
  summarize,
  type TrialRecord,
  turnEnding,
  type WakeSettings,
  type WakeTrialRecord,
  type WelcomeRecord,
  wakesIn,
} from "./conversation-report.js";
import { SHORT_PAUSE_MS, SHORT_SAYINGS } from "./short-sayings.js";

const root = join(import.meta.dirname, "..");
const CLI = join(root, "bin", "her-faq.js");
const DEFAULT_VOICES: readonly SynthVoice[] = ["festival:cmu_us_slt_arctic_hts", "flite:awb"];
/** An answer is cut short when its sound ends this much before its natural length. */
const SHORT_BY_MS = 300;

interface Options {
  readonly questions: number;
  readonly voices: SynthVoice[];
  readonly out: string;
  readonly noiseDbfs: number;
  readonly sentenceGapMs: number;
  readonly answerTimeout: number;
  readonly welcomeTimeout: number;
  readonly turnTimeout: number;
  readonly listenArg: string[];
  readonly listenLog?: string;
  readonly keepAudio?: string;
  readonly echoAnswers: number;
  readonly bargeIns: number;
  readonly bargeInVoices: SynthVoice[];
  readonly echoBelowSpeechDb: number;
  readonly echoDelayMs: number;
  readonly bargeInWaitMs: number;
  readonly wakeTalkMinutes: number;
  readonly wakeTrials: number;
}

const options = new Command("bench:conversation")
  .description(
    "times a live `her-faq listen` conversation from outside, on real-time audio through PulseAudio",
  )
  .option(
    "--questions <n>",
    `FAQ questions asked, spread over the ${faq.length} (0: none)`,
    parseCountOrNone,
    6,
  )
  .option(
    "--voices <voices>",
    "comma-separated festival:NAME, flite:NAME or espeak:NAME; each asks every question",
    parseVoices,
    [...DEFAULT_VOICES],
  )
  .option("--out <dir>", "folder for conversation.md and conversation.json", join(root, "docs", "bench"))
  .option("--noise-dbfs <dB>", "the microphone's noise floor (RMS, dB below full scale)", parseDb, -60)
  .option(
    "--sentence-gap-ms <ms>",
    "a pause inside an answer at least this long is between sentences",
    parseCount,
    350,
  )
  .option(
    "--answer-timeout <ms>",
    "longest wait from a question's end to its answer's first sound",
    parseCount,
    15_000,
  )
  .option("--welcome-timeout <ms>", "longest wait from starting listen to its welcome", parseCount, 60_000)
  .option(
    "--turn-timeout <ms>",
    "longest wait for an answer (or the welcome) to be over",
    parseCount,
    120_000,
  )
  .option("--listen-arg <arg>", "an argument added to `her-faq listen` (repeatable)", collect, [])
  .option(
    "--listen-log <file>",
    "append what `her-faq listen` writes to standard error there (with --listen-arg --verbose, what it heard)",
  )
  .option(
    "--keep-audio <dir>",
    "also write the whole run as the microphone and the speaker devices carried it (microphone.wav, speaker.wav), to look into a miss",
  )
  .option(
    "--echo-answers <n>",
    "questions asked with the answer's echo in the microphone, counting false stops (0: none)",
    parseCountOrNone,
    faq.length,
  )
  .option(
    "--barge-ins <n>",
    'times each barge-in voice says "stop", and the wake word and a question, over an answer (0: none)',
    parseCountOrNone,
    2,
  )
  .option("--barge-in-voices <voices>", "comma-separated voices that cut in", parseVoices, [
    ...BARGE_IN_VOICES,
  ])
  .option(
    "--echo-below-speech-db <dB>",
    "the answer's echo at the microphone, under the user's speech",
    parseCount,
    15,
  )
  .option("--echo-delay-ms <ms>", "the delay asked of the echo loopback", parseCount, 30)
  .option(
    "--barge-in-wait-ms <ms>",
    "longest wait from the end of a word said over an answer to the answer falling silent",
    parseCount,
    2000,
  )
  .option(
    "--wake-talk-minutes <n>",
    "minutes of other talk played to `listen --wake`, counting its false wakes (0: none)",
    parseCountOrNone,
    60,
  )
  .option(
    "--wake-trials <n>",
    'times each barge-in voice says "Samantha" and a question to `listen --wake`, clean and in noise (0: none)',
    parseCountOrNone,
    2,
  )
  .parse()
  .opts<Options>();

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError("a whole number from 1 up");
  return count;
}

function parseCountOrNone(value: string): number {
  return value === "0" ? 0 : parseCount(value);
}

function parseDb(value: string): number {
  const db = Number(value);
  if (!Number.isFinite(db) || db >= 0 || db < -100) throw new InvalidArgumentError("a level from -100 to 0");
  return db;
}

function parseVoices(value: string): SynthVoice[] {
  const voices = value.split(",").map((voice) => voice.trim());
  for (const voice of voices)
    if (!/^(festival|flite|espeak):[\w+-]+$/.test(voice))
      throw new InvalidArgumentError(`"${voice}" is not festival:NAME, flite:NAME or espeak:NAME`);
  return voices as SynthVoice[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

class BenchAborted extends Error {
  override readonly name = "BenchAborted";
}

class TimedOut extends Error {
  override readonly name = "TimedOut";
}

/** The same questions every run: `count` spread evenly over the FAQ. */
function chosenQuestions(count: number) {
  const step = faq.length / Math.min(count, faq.length);
  return Array.from(
    { length: Math.min(count, faq.length) },
    (_, i) => faq[Math.floor(i * step)] as (typeof faq)[number],
  );
}

/** The checkout measured, and when its CLI was built: listen runs from dist/, which a build replaces. */
function revision(): string {
  const git = spawnSync("git", ["describe", "--always", "--dirty"], { cwd: root, encoding: "utf8" });
  const commit = git.status === 0 ? git.stdout.trim() : "unknown commit";
  return `${commit}, CLI built ${statSync(join(root, "dist", "cli.js")).mtime.toISOString()}`;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** Letters and digits only, lower case: the answer as listen printed it compared with the FAQ's. */
const plain = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();

/**
 * What `listen` prints, read as it arrives: what it heard, its answers, each time it listens again, and with
 * --wake each time it waits for the word.
 */
interface ListenEvent {
  readonly kind: "heard" | "answer" | "listening" | "waiting" | "turn";
  readonly text: string;
  readonly atMs: number;
}

/** listen is always run --verbose, so that each turn says how it ended. */
const listenArgs = options.listenArg.includes("--verbose")
  ? options.listenArg
  : [...options.listenArg, "--verbose"];

/** The live statuses that are written without an end, to be overwritten: "(listening)", `(waiting for "samantha")`. */
const STATUS = /^\((listening|waiting) ?(for "[^"]*")?\)$/;

class ListenProcess {
  readonly events: ListenEvent[] = [];
  readonly startedAt = performance.now();
  private readonly child: ChildProcess;
  private pending = "";
  private pendingError = "";
  private stderr = "";

  constructor(
    private readonly children: Children,
    env: NodeJS.ProcessEnv,
    args: readonly string[],
  ) {
    this.child = children.spawn(process.execPath, [CLI, "listen", ...args], env, root);
    this.child.stdin?.end();
    this.child.stdout?.setEncoding("utf8");
    this.child.stdout?.on("data", (text: string) => this.read(text, performance.now()));
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (text: string) => {
      const atMs = performance.now();
      this.stderr += text;
      if (options.listenLog) appendFileSync(options.listenLog, text);
      // --verbose's line for each turn: how it ended.
      const lines = (this.pendingError + text).split("\n");
      this.pendingError = lines.pop() ?? "";
      for (const line of lines) if (turnEnding(line)) this.events.push({ kind: "turn", text: line, atMs });
    });
  }

  /** Why it is over, when it is: its exit and the first lines it wrote to stderr. */
  get ended(): string | undefined {
    const { exitCode, signalCode } = this.child;
    if (exitCode === null && signalCode === null) return undefined;
    const said = this.stderr.trim().split("\n").slice(0, 2).join(" ");
    return `listen ended (${signalCode ?? `exit code ${exitCode}`})${said ? `: ${said}` : ""}`;
  }

  /**
   * Processor time listen's own process has used, all its threads (recognizer, skill; not festival's): from
   * /proc, in the kernel's 100 ticks a second. Null where there is no /proc.
   */
  cpuMs(): number | null {
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return null;
    }
  }

  listenings(): ListenEvent[] {
    return this.events.filter((event) => event.kind === "listening");
  }

  /** Where it is: listening, (with --wake) waiting for the word, or answering (an answer printed since). */
  status(): "listening" | "waiting" | "answering" | undefined {
    const last = this.events.filter((event) => event.kind !== "heard" && event.kind !== "turn").at(-1)?.kind;
    return last === "answer" ? "answering" : last === "listening" || last === "waiting" ? last : undefined;
  }

  stop(): Promise<void> {
    return this.children.end(this.child, "SIGINT");
  }

  private read(text: string, atMs: number): void {
    // Segments with the character that ended each: a line ("\n") is final, a "\r" overwrites what it ended.
    const parts = (this.pending + text).split(/([\r\n])/);
    this.pending = parts.pop() ?? "";
    // The status is written without an end, to be overwritten: taken as soon as it is whole.
    if (STATUS.test(strip(this.pending).trim())) {
      parts.push(this.pending, "\r");
      this.pending = "";
    }
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const line = strip(parts[i] as string).trim();
      const final = parts[i + 1] === "\n";
      const status = STATUS.exec(line)?.[1] as "listening" | "waiting" | undefined;
      if (status) this.events.push({ kind: status, text: line, atMs });
      else if (line.startsWith("you: ") && final)
        this.events.push({ kind: "heard", text: line.slice(5), atMs });
      else if (line.startsWith("guide: ")) this.events.push({ kind: "answer", text: line.slice(7), atMs });
    }
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what is removed
const strip = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

const abort = new AbortController();

/** Polls `check` until it gives a value; fails after `timeoutMs`, on Ctrl-C, or when `alive` says why not. */
async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined,
  alive: () => string | undefined = () => undefined,
  everyMs = 20,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (abort.signal.aborted) throw new BenchAborted("stopped by Ctrl-C");
    const value = check();
    if (value !== undefined) return value;
    const dead = alive();
    if (dead) throw new Error(`${dead}, waiting for ${what}`);
    if (performance.now() > deadline) throw new TimedOut(`no ${what} within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

/** A device's recording with the level that counts as sound on it. */
interface Device {
  readonly recording: Recording;
  readonly thresholdDb: number;
}

const timeOf = (device: Device, sample: number) => timeOfSample(device.recording.arrivals, sample, RATE);
const sampleAt = (device: Device, atMs: number) => sampleAtTime(device.recording.arrivals, atMs, RATE);
const FRAME = (RATE * FRAME_MS) / 1000;

/** The first sound on a device from sample `from` on, scanning only what is new at each look. */
async function nextSound(
  device: Device,
  from: number,
  timeoutMs: number,
  what: string,
  alive: () => string | undefined,
): Promise<number> {
  let cursor = from;
  return waitUntil(
    what,
    timeoutMs,
    () => {
      const { pcm } = device.recording;
      const found = onsetOf(pcm, cursor, pcm.length, device.thresholdDb, RATE);
      cursor = Math.max(cursor, pcm.length - 3 * FRAME);
      return found;
    },
    () => device.recording.failure ?? alive(),
  );
}

/** Whether the speaker's recording holds at least `ms`, and no sound in its last `ms`. */
function quietFor(speaker: Device, ms: number): boolean {
  const { pcm } = speaker.recording;
  const samples = (ms * RATE) / 1000;
  return (
    pcm.length >= samples &&
    lastSoundOf(pcm, pcm.length - samples, pcm.length, speaker.thresholdDb, RATE) === undefined
  );
}

/**
 * When listen is ready again after speaking: the time it showed "(listening)" after `seen` such times. A
 * listen that never shows it is taken as ready after 4 s without sound at the speaker (time then unknown).
 */
async function readyAgain(
  listen: ListenProcess,
  seen: number,
  speaker: Device,
  timeoutMs: number,
): Promise<number | null> {
  return waitUntil(
    "end of the answer",
    timeoutMs,
    () => {
      const ready = listen.listenings()[seen];
      if (ready) return ready.atMs;
      if (listen.listenings().length > 0) return undefined;
      return quietFor(speaker, 4000) ? null : undefined;
    },
    () => listen.ended,
    50,
  );
}

/**
 * Once the speaker has made no sound for `ms` (or `timeoutMs` passed): a wake trial then begins in a quiet
 * room, not over the end of the goodbye before it, which listen's echo canceller is still taking out.
 */
async function speakerQuiet(speaker: Device, ms: number, timeoutMs: number): Promise<void> {
  try {
    await waitUntil(
      "the speaker to go quiet",
      timeoutMs,
      () => (quietFor(speaker, ms) ? true : undefined),
      undefined,
      50,
    );
  } catch (error) {
    if (error instanceof BenchAborted) throw error;
  }
}

/** With --wake: the time of listen's first status (listening, or waiting) after its first answer from event `from`. */
function statusAfterAnswer(listen: ListenProcess, from: number, timeoutMs: number): Promise<number> {
  return waitUntil(
    "end of the answer",
    timeoutMs,
    () => {
      const events = listen.events.slice(from);
      const answer = events.findIndex((event) => event.kind === "answer");
      if (answer < 0) return undefined;
      return events.slice(answer).find((event) => event.kind === "listening" || event.kind === "waiting")
        ?.atMs;
    },
    () => listen.ended,
    50,
  );
}

/** Starts listen and waits through its welcome until it listens. */
async function startListen(
  children: Children,
  pulse: PrivatePulse,
  speaker: Device,
): Promise<{ listen: ListenProcess; welcome: WelcomeRecord }> {
  const from = sampleAt(speaker, performance.now());
  const listen = new ListenProcess(children, pulse.env, listenArgs);
  try {
    const onset = await nextSound(speaker, from, options.welcomeTimeout, "welcome", () => listen.ended);
    const startToSoundMs = timeOf(speaker, onset) - listen.startedAt;
    const readyAt = await readyAgain(listen, 0, speaker, options.turnTimeout);
    const end =
      readyAt === null
        ? undefined
        : lastSoundOf(speaker.recording.pcm, onset, sampleAt(speaker, readyAt), speaker.thresholdDb, RATE);
    const welcomeToReadyMs = readyAt === null || end === undefined ? null : readyAt - timeOf(speaker, end);
    return { listen, welcome: { startToSoundMs, welcomeToReadyMs } };
  } catch (error) {
    await listen.stop();
    throw error;
  }
}

/**
 * The instrument's own zero: a tone played into both sinks at once, timed on both recordings as a question's
 * end and an answer's start are. Each difference is the error the bench's clock adds to a latency.
 */
async function checkClock(
  children: Children,
  pulse: PrivatePulse,
  microphone: Device,
  speaker: Device,
): Promise<number[]> {
  const unload = loadBothSink(pulse, "both");
  try {
    return await toneDifferences(children, pulse, "both", microphone, speaker);
  } finally {
    unload();
  }
}

/** Tones played into `sink`: how much later each starts on `later`'s recording than on `earlier`'s. */
async function toneDifferences(
  children: Children,
  pulse: PrivatePulse,
  sink: string,
  earlier: Device,
  later: Device,
  count = 3,
): Promise<number[]> {
  const tone = Int16Array.from({ length: RATE / 4 }, (_, i) =>
    Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / RATE)),
  );
  const differences: number[] = [];
  for (let k = 0; k < count; k++) {
    const now = performance.now();
    const fromEarlier = sampleAt(earlier, now);
    const fromLater = sampleAt(later, now);
    await playInto(children, pulse, sink, tone, 5000);
    const atLater = await nextSound(later, fromLater, 5000, "clock check tone", () => undefined);
    const atEarlier = await nextSound(earlier, fromEarlier, 5000, "clock check tone", () => undefined);
    differences.push(timeOf(later, atLater) - timeOf(earlier, atEarlier));
    await sleep(300);
  }
  return differences;
}

interface Question {
  readonly faqId: string;
  readonly text: string;
  readonly answer: string;
  readonly voice: SynthVoice;
  readonly pcm: Int16Array;
}

/** A question asked: its record, and where its answer sounded at the speaker, with its words in full. */
interface Asked {
  readonly trial: TrialRecord;
  readonly answer?: { readonly onset: number; readonly end: number; readonly spoken: string | null };
  /** What listen printed from the question on. */
  readonly events: readonly ListenEvent[];
}

/**
 * One question asked and its answer heard out. With `wake`, listen runs with --wake, whose "(listening)" on
 * waking comes before the answer: it is ready again at its first status after the answer's text.
 */
async function ask(
  index: number,
  question: Question,
  listen: ListenProcess,
  children: Children,
  pulse: PrivatePulse,
  microphone: Device,
  speaker: Device,
  wake = false,
): Promise<Asked> {
  const record = {
    index,
    faqId: question.faqId,
    question: question.text,
    voice: question.voice,
    questionMs: (question.pcm.length * 1000) / RATE,
  };
  const seen = listen.listenings().length;
  const eventsBefore = listen.events.length;
  const playedFrom = performance.now();
  await playInto(children, pulse, MIC_SINK, question.pcm, record.questionMs + 10_000);
  const playedTo = performance.now();
  const cpuAtEnd = listen.cpuMs();
  const loadAverage = round(loadavg()[0] as number);
  // The question as the microphone device carried it: its last sound, in what was recorded meanwhile.
  const micEnd = await waitUntil(
    "recording of the question",
    5000,
    () => {
      const to = sampleAt(microphone, playedTo + 300);
      return microphone.recording.length >= to ? to : undefined;
    },
    () => microphone.recording.failure,
  );
  const questionEnd = lastSoundOf(
    microphone.recording.pcm,
    sampleAt(microphone, playedFrom - 100),
    micEnd,
    microphone.thresholdDb,
    RATE,
  );
  if (questionEnd === undefined)
    throw new BenchSetupError("a question played into the microphone sink never reached its monitor");
  const questionEndMs = timeOf(microphone, questionEnd);
  const turn = () => listen.events.slice(eventsBefore);
  const afterQuestion = (event: ListenEvent | undefined) => (event ? event.atMs - questionEndMs : null);
  const said = () => ({
    heardAfterMs: afterQuestion(turn().find((event) => event.kind === "heard")),
    answerShownAfterMs: afterQuestion(turn().find((event) => event.kind === "answer")),
    endedBy: turnEnding(turn().find((event) => event.kind === "turn")?.text ?? ""),
    heard:
      turn()
        .filter((event) => event.kind === "heard")
        .at(-1)?.text ?? null,
    answer: turn().find((event) => event.kind === "answer")?.text ?? null,
  });
  let onset: number;
  try {
    onset = await nextSound(
      speaker,
      sampleAt(speaker, questionEndMs),
      options.answerTimeout,
      "answer",
      () => listen.ended,
    );
  } catch (error) {
    if (error instanceof BenchAborted) throw error;
    const trial = {
      ...record,
      ...said(),
      loadAverage,
      listenCpuMs: null,
      latencyMs: null,
      sentenceGapsMs: [],
      answeredRight: false,
      error: (error as Error).message,
    };
    return { trial, events: turn() };
  }
  const cpuAtOnset = listen.cpuMs();
  const listenCpuMs = cpuAtEnd === null || cpuAtOnset === null ? null : cpuAtOnset - cpuAtEnd;
  const latencyMs = timeOf(speaker, onset) - questionEndMs;
  let readyAt: number | null;
  try {
    readyAt = wake
      ? await statusAfterAnswer(listen, eventsBefore, options.turnTimeout)
      : await readyAgain(listen, seen, speaker, options.turnTimeout);
  } catch (error) {
    if (error instanceof BenchAborted) throw error;
    readyAt = null;
  }
  const end = lastSoundOf(
    speaker.recording.pcm,
    onset,
    readyAt === null ? speaker.recording.length : sampleAt(speaker, readyAt),
    speaker.thresholdDb,
    RATE,
  );
  const sentenceGapsMs = silencesIn(
    speaker.recording.pcm,
    onset,
    end ?? onset,
    speaker.thresholdDb,
    RATE,
    options.sentenceGapMs,
  ).map((gap) => ((gap.end - gap.start) * 1000) / RATE);
  const { answer, ...shown } = said();
  const trial = {
    ...record,
    ...shown,
    loadAverage,
    listenCpuMs,
    answer: answer?.slice(0, 80) ?? null,
    latencyMs,
    sentenceGapsMs,
    answeredRight: isAnswerTo(answer, question.answer),
  };
  return { trial, answer: { onset, end: end ?? onset, spoken: answer }, events: turn() };
}

/** The answer listen printed is the FAQ's answer (its start, letters and digits only). */
const isAnswerTo = (printed: string | null | undefined, answer: string) =>
  printed != null && plain(printed).includes(plain(answer).slice(0, 60));

function synthesizeQuestions(
  entries: readonly (typeof faq)[number][],
  voices: readonly SynthVoice[],
): Question[] {
  const questions: Question[] = [];
  for (const entry of entries)
    for (const voice of voices) {
      const pcm = trimSilence(synthesize(entry.question, voice), RATE);
      questions.push({ faqId: entry.id, text: entry.question, answer: entry.answer, voice, pcm });
    }
  return questions;
}

/** The answers long enough (13 s and more) for a word said 1 to 2 s into them to land mid-answer. */
const LONG_ANSWERS = [...faq].sort((a, b) => b.answer.length - a.answer.length).slice(0, 6);
/** Questions with short answers, said after the wake word. */
const FOLLOW_UPS = [...faq].sort((a, b) => a.answer.length - b.answer.length).slice(0, 6);

/** A word said over an answer, and for the wake word the question said after it. */
interface Interjection {
  readonly kind: BargeInKind;
  readonly voice: SynthVoice;
  /** The word alone ("stop", "samantha"), trimmed: its end is timed on the recording of what was said. */
  readonly word: Int16Array;
  /** What is played: the word, then for the wake word a short pause and the question. */
  readonly pcm: Int16Array;
  readonly followUp?: (typeof faq)[number];
}

/** The wake word's pause before its question, as a person takes in one breath. */
const WAKE_PAUSE_MS = 300;

function synthesizeInterjections(): Interjection[] {
  const interjections: Interjection[] = [];
  for (const kind of ["stop", "wake"] as const)
    for (const [v, voice] of options.bargeInVoices.entries()) {
      const word = trimSilence(synthesize(kind === "stop" ? "stop" : "samantha", voice), RATE);
      for (let repeat = 0; repeat < options.bargeIns; repeat++) {
        if (kind === "stop") {
          interjections.push({ kind, voice, word, pcm: word });
          continue;
        }
        const followUp = FOLLOW_UPS[(v + repeat) % FOLLOW_UPS.length] as (typeof faq)[number];
        const question = trimSilence(synthesize(followUp.question, voice), RATE);
        const pcm = new Int16Array(word.length + (RATE * WAKE_PAUSE_MS) / 1000 + question.length);
        pcm.set(word);
        pcm.set(question, pcm.length - question.length);
        interjections.push({ kind, voice, word, pcm, followUp });
      }
    }
  return interjections;
}

const dbOf = (ratio: number) => 20 * Math.log10(ratio);
/** The longest echo delay looked for: far more than the loopback's. */
const MAX_ECHO_LAG = (RATE * 400) / 1000;

/** The sound devices and what the scenarios with echo add to them. */
interface Stage {
  readonly children: Children;
  readonly pulse: PrivatePulse;
  readonly microphone: Device;
  readonly speaker: Device;
}

interface EchoStage extends Stage {
  /** The user's words alone, as played into the microphone. */
  readonly said: Device;
  readonly userSink: string;
  /** How much later the user's words reach the microphone sink than their own recording (median). */
  readonly saidToMicMs: number;
  /** The user's speech level: RMS above a whisper of everything the bench says in these scenarios. */
  readonly speechRms: number;
}

/**
 * One long answer heard out with its echo in the microphone. What listen printed over it and how long it
 * sounded are kept; whether it was cut short is judged at the end, once its natural length is known.
 */
async function askOverEcho(
  index: number,
  question: Question,
  listen: ListenProcess,
  stage: EchoStage,
): Promise<{ record: EchoAnswerRecord; spoken: string | null }> {
  const { children, pulse, microphone, speaker } = stage;
  const { trial, answer, events } = await ask(index, question, listen, children, pulse, microphone, speaker);
  const base = { faqId: question.faqId, question: question.text, loadAverage: trial.loadAverage };
  if (!answer)
    return {
      record: {
        ...base,
        playedMs: null,
        fullMs: null,
        echoBelowSpeechDb: null,
        echoDelayMs: null,
        heard: null,
        falseStop: false,
        error: trial.error ?? "no answer",
      },
      spoken: null,
    };
  const startMs = timeOf(speaker, answer.onset);
  const endMs = timeOf(speaker, answer.end);
  // The echo at the microphone: how late it is (by correlating a second of the answer with what the
  // microphone heard from the same instant), and its level while the answer played.
  const answerSecond = speaker.recording.pcm.slice(answer.onset, answer.onset + RATE);
  const heardFrom = sampleAt(microphone, startMs);
  const echoLag = echoLagOf(
    answerSecond,
    microphone.recording.pcm.slice(heardFrom, heardFrom + answerSecond.length + MAX_ECHO_LAG),
    MAX_ECHO_LAG,
  );
  const echoRms = activeRms(
    microphone.recording.pcm.subarray(sampleAt(microphone, startMs), sampleAt(microphone, endMs)),
  );
  // Words listen printed after the question's own, while the answer played (its Stop prints "stop").
  const heardOver = events
    .filter((event) => event.kind === "heard")
    .slice(1)
    .filter((event) => event.atMs > startMs)
    .at(-1);
  return {
    record: {
      ...base,
      playedMs: endMs - startMs,
      fullMs: null,
      echoBelowSpeechDb: echoRms > 0 ? dbOf(stage.speechRms / echoRms) : null,
      echoDelayMs: echoLag === undefined ? null : (echoLag * 1000) / RATE,
      heard: heardOver?.text ?? null,
      falseStop: false,
    },
    spoken: answer.spoken,
  };
}

/** Has the trial's listen ended by itself within `ms`; true if so. */
async function endsWithin(listen: ListenProcess, ms: number): Promise<boolean> {
  try {
    await waitUntil("listen to end", ms, () => (listen.ended ? true : undefined));
    return true;
  } catch (error) {
    if (error instanceof BenchAborted) throw error;
    return false;
  }
}

/**
 * A long answer asked for, and a word said over it 1 to 2 s in: the time from the word's last sample at the
 * microphone device to the answer's last sound at the speaker. The listen process is left ready for the next
 * question, or ended (a Stop ends the session; a miss leaves it in an unknown turn).
 */
async function bargeIn(
  index: number,
  question: Question,
  interjection: Interjection,
  listen: ListenProcess,
  stage: EchoStage,
): Promise<{ record: BargeInRecord; listenLeft: boolean }> {
  const { children, pulse, speaker, said } = stage;
  const seen = listen.listenings().length;
  const eventsBefore = listen.events.length;
  const record = {
    kind: interjection.kind,
    voice: interjection.voice,
    faqId: question.faqId,
    followUp: interjection.followUp?.question ?? null,
    loadAverage: round(loadavg()[0] as number),
  };
  const failed = (error: string, saidAfterMs = 0) => ({
    record: {
      ...record,
      saidAfterMs,
      bargeInMs: null,
      followUpHeard: null,
      followUpAnsweredRight: interjection.followUp ? false : null,
      error,
    },
    listenLeft: false,
  });
  const playedFrom = performance.now();
  await playInto(children, pulse, MIC_SINK, question.pcm, (question.pcm.length * 1000) / RATE + 10_000);
  const onset = await nextSound(
    speaker,
    sampleAt(speaker, playedFrom),
    options.answerTimeout,
    "answer",
    () => listen.ended,
  );
  const onsetMs = timeOf(speaker, onset);
  // Spread over 1 to 2 s into the answer, so the word meets different words of it.
  await sleep(Math.max(0, onsetMs + 1000 + ((index * 379) % 1000) - performance.now()));
  const wordFrom = sampleAt(said, performance.now() - 50);
  const playing = playInto(
    children,
    pulse,
    stage.userSink,
    interjection.pcm,
    (interjection.pcm.length * 1000) / RATE + 10_000,
  );
  playing.catch(() => undefined);
  const wordOnset = await nextSound(said, wordFrom, 5000, "the word at the microphone", () => undefined);
  const wordStartMs = timeOf(said, wordOnset) + stage.saidToMicMs;
  const saidAfterMs = wordStartMs - onsetMs;
  const wordEndSample = await waitUntil(
    "the word's end at the microphone",
    5000,
    () => {
      const to = wordOnset + interjection.word.length + 2 * FRAME;
      if (said.recording.length < to) return undefined;
      return lastSoundOf(said.recording.pcm, wordOnset, to, said.thresholdDb, RATE) ?? to;
    },
    () => said.recording.failure,
  );
  const wordEndMs = timeOf(said, wordEndSample) + stage.saidToMicMs;
  const after = () => listen.events.slice(eventsBefore).filter((event) => event.atMs > onsetMs);
  const interruption = () =>
    interjection.kind === "stop"
      ? after().find((event) => event.kind === "heard" && event.text === "stop")
      : listen.listenings()[seen];
  const deadline = wordEndMs + options.bargeInWaitMs;
  const stopped = await waitUntil(
    "the answer to be interrupted",
    deadline - performance.now() + 500,
    () => interruption() ?? (performance.now() > deadline ? null : undefined),
    () => listen.ended,
  ).catch((error: Error) => {
    if (error instanceof BenchAborted) throw error;
    return null;
  });
  if (stopped && stopped.atMs < wordStartMs) return failed("silenced before the word was said", saidAfterMs);
  if (!stopped) return failed("not silenced", saidAfterMs);
  // The answer's last sound before listen's next words (the Stop's goodbye, the question's answer).
  const nextWords = await waitUntil("listen's next words or the wait's end", options.turnTimeout, () => {
    const next = after().find((event) => event.kind === "answer" && event.atMs > stopped.atMs);
    if (next) return Math.min(next.atMs, deadline);
    return performance.now() > deadline ? deadline : undefined;
  });
  const upTo = sampleAt(speaker, nextWords);
  await waitUntil("the speaker's recording", 5000, () =>
    speaker.recording.length >= upTo ? true : undefined,
  );
  const cut = lastSoundOf(speaker.recording.pcm, onset, upTo, speaker.thresholdDb, RATE) ?? onset;
  const bargeInMs = timeOf(speaker, cut) - wordEndMs;
  if (bargeInMs >= options.bargeInWaitMs - FRAME_MS) return failed("not silenced", saidAfterMs);
  const timed = { ...record, saidAfterMs, bargeInMs };
  if (!interjection.followUp) {
    const ended = await endsWithin(listen, 10_000);
    return {
      record: { ...timed, followUpHeard: null, followUpAnsweredRight: null },
      listenLeft: !ended,
    };
  }
  // After the wake word: the question said after it is heard and answered.
  const followUp = interjection.followUp;
  const answered = await waitUntil(
    "the answer to the question after the wake word",
    options.answerTimeout,
    () => after().find((event) => event.kind === "answer" && event.atMs > stopped.atMs),
    () => listen.ended,
  ).catch((error: Error) => {
    if (error instanceof BenchAborted) throw error;
    return undefined;
  });
  const heard = after()
    .filter((event) => event.kind === "heard" && event.atMs > stopped.atMs)
    .at(-1);
  const ready = answered
    ? await readyAgain(listen, seen + 1, speaker, options.turnTimeout).catch(() => undefined)
    : undefined;
  await playing;
  return {
    record: {
      ...timed,
      followUpHeard: heard?.text ?? null,
      followUpAnsweredRight: isAnswerTo(answered?.text, followUp.answer),
    },
    listenLeft: ready !== undefined,
  };
}

/**
 * The other talk's voices: listen's own (festival SLT), and voices bench:wake holds out of its tuning. Its
 * texts: Debian's license texts (always installed) and the skill's answers.
 */
const TALKERS: readonly SynthVoice[] = [
  "festival:cmu_us_slt_arctic_hts",
  "flite:rms",
  "flite:kal",
  "espeak:en-gb",
  "espeak:en-us+f3",
];
const LICENSES = "/usr/share/common-licenses";
const TALK_TEXTS = ["GPL-3", "GPL-2", "LGPL-2.1", "GFDL-1.3"];
/** Every this many stretches of talk, one is a short saying (bench/short-sayings.ts) after a quiet spell. */
const SHORT_EVERY = 6;
/** A stretch of talk read at once: a few sentences, so the talk can pause between them after a wake. */
const TALK_CHARS = 300;
/** The noise under the wake trials' words in their noisy condition, by voice and repeat, and its level. */
const WAKE_NOISES: readonly NoiseKind[] = ["babble", "pink"];
const WAKE_SNR_DB = 10;
/** Noise starts this long before each word said in it, as a room's noise would. */
const NOISE_LEAD_MS = 300;

/**
 * Speech with noise under it at WAKE_SNR_DB (over the speech itself, its pauses left out, as bench:wake and
 * the training set it), from NOISE_LEAD_MS before it.
 */
function inNoise(speech: Int16Array, kind: NoiseKind | undefined, seed: number): Int16Array {
  if (!kind) return speech;
  const padded = new Int16Array((RATE * NOISE_LEAD_MS) / 1000 + speech.length);
  padded.set(speech, padded.length - speech.length);
  return withNoiseUnderSpeech(padded, kind, WAKE_SNR_DB, seed);
}

/** Runs of whole sentences up to about TALK_CHARS characters each. */
function stretchesOf(text: string): string[] {
  const stretches: string[] = [];
  let current = "";
  for (const sentence of sentencesOf(text.replace(/\s+/g, " ").trim())) {
    if (current && current.length + sentence.length > TALK_CHARS) {
      stretches.push(current);
      current = "";
    }
    current = current ? `${current} ${sentence}` : sentence;
  }
  if (current) stretches.push(current);
  return stretches;
}

/** A stretch of other talk as played, and the pause after it. */
interface TalkStretch {
  readonly text: string;
  readonly voice: SynthVoice;
  readonly babble: boolean;
  readonly pcm: Int16Array;
  readonly gapMs: number;
}

/**
 * At least `minutes` of other talk: a stretch of the skill's answers (without the sentences naming Samantha,
 * which would be true wakes) for every three of license text, read by the talkers in turn, one in four under
 * babble at 10 dB; every sixth a short saying after a quiet spell instead.
 */
function synthesizeTalk(minutes: number): TalkStretch[] {
  const answers = faq.flatMap((entry) =>
    stretchesOf(
      sentencesOf(entry.answer)
        .filter((sentence) => !/samantha/i.test(sentence))
        .join(" "),
    ),
  );
  const licenses = TALK_TEXTS.flatMap((name) =>
    readFileSync(join(LICENSES, name), "utf8")
      .split(/\n\s*\n/)
      .filter((paragraph) => paragraph.split(/\s+/).length >= 8 && !/samantha/i.test(paragraph))
      .flatMap(stretchesOf),
  );
  const talk: TalkStretch[] = [];
  let samples = 0;
  let reported = 0;
  for (let index = 0; samples < minutes * 60 * RATE; index++) {
    if (abort.signal.aborted) throw new BenchAborted("stopped by Ctrl-C");
    // After every five stretches, a short saying after a quiet spell.
    const short = index % SHORT_EVERY === SHORT_EVERY - 1;
    const text = short
      ? (SHORT_SAYINGS[Math.floor(index / SHORT_EVERY) % SHORT_SAYINGS.length] as string)
      : index % 4 === 0
        ? (answers[(index / 4) % answers.length] as string)
        : (licenses[(index - Math.ceil(index / 4)) % licenses.length] as string);
    const voice = TALKERS[index % TALKERS.length] as SynthVoice;
    const babble = !short && (index % 8 === 3 || index % 8 === 4);
    const speech = trimSilence(synthesize(text, voice), RATE);
    const pcm = babble ? withNoise(speech, "babble", WAKE_SNR_DB, index) : speech;
    const beforeShort = (index + 1) % SHORT_EVERY === SHORT_EVERY - 1;
    talk.push({ text, voice, babble, pcm, gapMs: beforeShort ? SHORT_PAUSE_MS : 300 + (index % 5) * 200 });
    samples += pcm.length;
    if (samples - reported >= 5 * 60 * RATE) {
      reported = samples;
      process.stderr.write(`  ${Math.floor(samples / RATE / 60)} of ${minutes} minutes of other talk made\n`);
    }
  }
  return talk;
}

/** What `listen --wake` hears in one trial: the word and a question, a follow-up, then "stop". */
interface WakeTrialSpeech {
  readonly voice: SynthVoice;
  readonly condition: string;
  readonly question: Question;
  readonly followUp: Question;
  readonly stop: Int16Array;
}

/**
 * For each barge-in voice and repeat, clean and in noise (babble and pink by turns): "Samantha, <question>"
 * in one breath, a follow-up question and "stop", all in the trial's condition. Questions spread over the FAQ.
 */
function synthesizeWakeTrials(): WakeTrialSpeech[] {
  const trials: WakeTrialSpeech[] = [];
  const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
  for (const [v, voice] of options.bargeInVoices.entries())
    for (let repeat = 0; repeat < options.wakeTrials; repeat++)
      for (const noise of [undefined, WAKE_NOISES[(v + repeat) % WAKE_NOISES.length]]) {
        const k = trials.length;
        const seed = 1000 + k;
        const entry = faq[(k * 7) % faq.length] as (typeof faq)[number];
        const next = faq[(k * 7 + 5) % faq.length] as (typeof faq)[number];
        const spoken = (text: string, seedOffset: number) =>
          inNoise(trimSilence(synthesize(text, voice), RATE), noise, seed + seedOffset);
        const question = (pcm: Int16Array, of: (typeof faq)[number], text: string): Question => ({
          faqId: of.id,
          text,
          answer: of.answer,
          voice,
          pcm,
        });
        const said = `Samantha, ${lowerFirst(entry.question)}`;
        trials.push({
          voice,
          condition: noise ? `${noise} ${WAKE_SNR_DB} dB` : "clean",
          question: question(spoken(said, 0), entry, said),
          followUp: question(spoken(next.question, 100), next, next.question),
          stop: spoken("stop", 200),
        });
      }
  return trials;
}

/** `listen --wake` started and waiting for the word (it says nothing first). */
async function startWaking(
  children: Children,
  pulse: PrivatePulse,
): Promise<{ listen: ListenProcess; startToWaitingMs: number }> {
  const listen = new ListenProcess(children, pulse.env, [...listenArgs, "--wake"]);
  try {
    const waiting = await waitUntil(
      "its waiting status",
      options.welcomeTimeout,
      () => listen.events.find((event) => event.kind === "waiting"),
      () => listen.ended,
    );
    return { listen, startToWaitingMs: waiting.atMs - listen.startedAt };
  } catch (error) {
    await listen.stop();
    throw error;
  }
}

/**
 * Is listen waiting for the word within `ms`, having shown it waits since event `from` (true), or not (false:
 * it ended, or is still in a session).
 */
async function waitingWithin(listen: ListenProcess, ms: number, from = 0): Promise<boolean> {
  try {
    await waitUntil(
      "listen to wait for the word again",
      ms,
      () =>
        listen.status() === "waiting" && listen.events.slice(from).some((event) => event.kind === "waiting")
          ? true
          : undefined,
      () => listen.ended,
      50,
    );
    return true;
  } catch (error) {
    if (error instanceof BenchAborted) throw error;
    return false;
  }
}

/**
 * One wake trial with listen waiting: "Samantha, <question>", then once answered a follow-up without the
 * word, then "stop". Returns its record and whether listen was left waiting for the next.
 */
async function wakeTrial(
  index: number,
  speech: WakeTrialSpeech,
  listen: ListenProcess,
  stage: Stage,
): Promise<{ record: WakeTrialRecord; listenLeft: boolean }> {
  const { children, pulse, microphone, speaker } = stage;
  const eventsBefore = listen.events.length;
  const asked = await ask(index, speech.question, listen, children, pulse, microphone, speaker, true);
  const first = {
    voice: speech.voice,
    condition: speech.condition,
    question: speech.question.text,
    // It waited before the word: any "(listening)" since is its waking.
    woken: listen.events.slice(eventsBefore).some((event) => event.kind === "listening"),
    latencyMs: asked.trial.latencyMs,
    heard: asked.trial.heard,
    answeredRight: asked.trial.answeredRight,
    followUp: speech.followUp.text,
    loadAverage: asked.trial.loadAverage,
    ...(asked.trial.error ? { error: asked.trial.error } : {}),
  };
  const notAsked = { followUpHeard: null, followUpLatencyMs: null, followUpAnsweredRight: false };
  // Missed, not answered, or the session over already: nothing more to ask.
  if (!asked.answer || listen.status() !== "listening")
    return {
      record: { ...first, ...notAsked, backToWaiting: null },
      listenLeft: await waitingWithin(listen, options.turnTimeout),
    };
  await sleep(400);
  const followUp = await ask(index, speech.followUp, listen, children, pulse, microphone, speaker, true);
  const second = {
    followUpHeard: followUp.trial.heard,
    followUpLatencyMs: followUp.trial.latencyMs,
    followUpAnsweredRight: followUp.trial.answeredRight,
  };
  if (listen.status() !== "listening")
    return {
      record: { ...first, ...second, backToWaiting: null },
      listenLeft: await waitingWithin(listen, options.turnTimeout),
    };
  await sleep(400);
  const stopFrom = listen.events.length;
  await playInto(children, pulse, MIC_SINK, speech.stop, (speech.stop.length * 1000) / RATE + 10_000);
  // The goodbye is short: back to waiting within the answer's wait, or "stop" was not obeyed.
  const backToWaiting = await waitingWithin(listen, options.answerTimeout, stopFrom);
  return {
    record: { ...first, ...second, backToWaiting },
    listenLeft: backToWaiting || (await waitingWithin(listen, options.turnTimeout)),
  };
}

/**
 * The other talk played stretch by stretch while listen waits. After a wake the talk pauses until listen
 * waits again (its session ended by silence), and what it heard and answered meanwhile is kept.
 */
async function falseWakes(
  talk: readonly TalkStretch[],
  waiting: () => Promise<ListenProcess>,
  stage: Stage,
): Promise<FalseWakeRun> {
  const { children, pulse } = stage;
  let talkMs = 0;
  let babbleMs = 0;
  let waitingTalkMs = 0;
  let reported = 0;
  const wakes: FalseWakeRecord[] = [];
  for (const stretch of talk) {
    const listen = await waiting();
    const eventsBefore = listen.events.length;
    const lengthMs = (stretch.pcm.length * 1000) / RATE;
    const playedFrom = performance.now();
    await playInto(children, pulse, MIC_SINK, stretch.pcm, lengthMs + 10_000);
    await sleep(stretch.gapMs);
    const talkBefore = talkMs;
    talkMs += lengthMs;
    if (stretch.babble) babbleMs += lengthMs;
    const woke = () => wakesIn([{ kind: "waiting", atMs: 0 }, ...listen.events.slice(eventsBefore)]);
    const firstWake = woke()[0];
    if (firstWake === undefined) waitingTalkMs += lengthMs;
    else {
      // Only the talk up to the first wake was heard while waiting.
      waitingTalkMs += Math.min(lengthMs, Math.max(0, firstWake - playedFrom));
      const back = await waitingWithin(listen, options.turnTimeout);
      const events = listen.events.slice(eventsBefore);
      for (const wakeAt of woke()) {
        const session = events.filter((event) => event.atMs >= wakeAt);
        const end = session.find((event) => event.kind === "waiting");
        const within = session.filter((event) => !end || event.atMs < end.atMs);
        const texts = (kind: ListenEvent["kind"]) =>
          within.filter((event) => event.kind === kind).map((event) => event.text.slice(0, 60));
        wakes.push({
          atTalkMs: talkBefore + Math.min(lengthMs, Math.max(0, wakeAt - playedFrom)),
          voice: stretch.voice,
          babble: stretch.babble,
          during: stretch.text.slice(0, 60),
          heard: texts("heard"),
          answers: texts("answer"),
          backToWaitingMs: end ? end.atMs - wakeAt : null,
        });
        process.stderr.write(
          `false wake ${wakes.length} at ${((wakes.at(-1)?.atTalkMs ?? talkMs) / 60_000).toFixed(1)} min of talk (${stretch.voice}): heard "${texts("heard").join(" / ")}"${back ? "" : "; not waiting again"}\n`,
        );
      }
    }
    if (talkMs - reported >= 5 * 60_000) {
      reported = talkMs;
      process.stderr.write(
        `other talk: ${(talkMs / 60_000).toFixed(0)} min played, ${wakes.length} false wakes\n`,
      );
    }
  }
  return { talkMs, babbleMs, waitingTalkMs, stretches: talk.length, wakes };
}

/** What each answer lasts when played to its end: its sentences made by listen's synthesizer, as its speaker does. */
async function naturalLengthsMs(texts: readonly string[]): Promise<Map<string, number>> {
  const voiceAt = options.listenArg.indexOf("--voice");
  const voice = voiceAt >= 0 ? options.listenArg[voiceAt + 1] : defaultVoice();
  const synthesizer = synthesizerFor(voice)();
  const lengths = new Map<string, number>();
  try {
    for (const text of new Set(texts)) {
      const sentences = sentencesOf(sanitizeForSpeech(text));
      let samples = 0;
      for (const [index, sentence] of sentences.entries())
        samples += trimSentence(await synthesizer.synthesize(sentence), {
          last: index === sentences.length - 1,
        }).length;
      lengths.set(text, (samples * 1000) / RATE);
    }
  } finally {
    synthesizer.close();
  }
  return lengths;
}

async function measure(children: Children): Promise<ConversationRun> {
  const loadBefore = loadavg()[0] as number;
  const echoRun = options.echoAnswers > 0 || options.bargeIns > 0;
  process.stderr.write(`synthesizing ${options.questions} questions in ${options.voices.length} voices\n`);
  const questions = synthesizeQuestions(chosenQuestions(options.questions), options.voices);
  const askerVoice = options.voices.slice(0, 1);
  const echoQuestions = synthesizeQuestions(chosenQuestions(options.echoAnswers), askerVoice);
  const longQuestions = options.bargeIns > 0 ? synthesizeQuestions(LONG_ANSWERS, askerVoice) : [];
  const interjections = options.bargeIns > 0 ? synthesizeInterjections() : [];
  const wakeRun = options.wakeTrials > 0 || options.wakeTalkMinutes > 0;
  if (wakeRun)
    process.stderr.write(
      `synthesizing ${options.wakeTrials * 2 * options.bargeInVoices.length} wake trials and ${options.wakeTalkMinutes} minutes of other talk\n`,
    );
  const wakeSpeech = options.wakeTrials > 0 ? synthesizeWakeTrials() : [];
  const talk = options.wakeTalkMinutes > 0 ? synthesizeTalk(options.wakeTalkMinutes) : [];
  const pulse = await startPulse(children);
  const welcomes: WelcomeRecord[] = [];
  const trials: TrialRecord[] = [];
  const echoAnswers: EchoAnswerRecord[] = [];
  const bargeIns: BargeInRecord[] = [];
  const spokenAnswers: Array<string | null> = [];
  const wakeTrials: WakeTrialRecord[] = [];
  let falseWakeRun: FalseWakeRun | null = null;
  let wake: WakeSettings | null = null;
  let listen: ListenProcess | undefined;
  let waking: ListenProcess | undefined;
  let clockCheckMs: number[] = [];
  let echo: EchoSettings | null = null;
  let saidToMicMs: number[] = [];
  const unload: Array<() => void> = [];
  let recordings: { microphone: Recording; speaker: Recording } | undefined;
  try {
    checkAlsaReachesPulse(pulse);
    const micRecording = new Recording(children, pulse, `${MIC_SINK}.monitor`);
    const speakerRecording = new Recording(children, pulse, `${SPEAKER_SINK}.monitor`);
    recordings = { microphone: micRecording, speaker: speakerRecording };
    noiseInto(children, pulse, MIC_SINK, options.noiseDbfs);
    // A second of each device before anything speaks: their noise floors.
    await waitUntil(
      "audio from the monitors",
      5000,
      () => (micRecording.length >= RATE && speakerRecording.length >= RATE ? true : undefined),
      () => micRecording.failure ?? speakerRecording.failure,
    );
    const floorOf = (recording: Recording) => noiseFloorOf(recording.pcm, RATE / 2, recording.length, RATE);
    const microphone = { recording: micRecording, thresholdDb: thresholdAbove(floorOf(micRecording)) };
    const speaker = { recording: speakerRecording, thresholdDb: thresholdAbove(floorOf(speakerRecording)) };
    process.stderr.write(
      `noise floors: microphone ${floorOf(micRecording).toFixed(1)} dBFS, speaker ${floorOf(speakerRecording).toFixed(1)} dBFS\n`,
    );
    clockCheckMs = await checkClock(children, pulse, microphone, speaker);
    process.stderr.write(`clock check: ${clockCheckMs.map((ms) => ms.toFixed(1)).join(", ")} ms\n`);
    // Where the user speaks over answers, checked before listen runs: its check tones would be heard as words.
    let userSink: { sink: string; said: Device; saidToMicMs: number } | undefined;
    if (echoRun) {
      const user = loadUserSink(pulse);
      unload.push(user.unload);
      // A moment for the new sinks to settle, and a first sound through them: it comes late.
      await sleep(500);
      await playInto(children, pulse, user.sink, new Int16Array(RATE / 4), 5000);
      const said = {
        recording: new Recording(children, pulse, user.said),
        thresholdDb: thresholdAbove(SILENT_DB),
      };
      // The user's words reach the two sinks a few ms apart: the word's end is timed at the microphone's.
      // Five tones, their median taken: the first through a new sink is sometimes timed far off.
      saidToMicMs = await toneDifferences(children, pulse, user.sink, said, microphone, 5);
      process.stderr.write(
        `the user's words at the microphone after their own recording: ${saidToMicMs.map((ms) => ms.toFixed(1)).join(", ")} ms\n`,
      );
      userSink = { sink: user.sink, said, saidToMicMs: median(saidToMicMs) };
    }
    const speechFrom = speakerRecording.length;
    const stage = { children, pulse, microphone, speaker };
    /** A listen that is listening: the one running, or a new one started through its welcome. */
    const running = async (): Promise<ListenProcess> => {
      if (listen && !listen.ended) return listen;
      if (listen) process.stderr.write(`${listen.ended}; starting it again\n`);
      for (let attempt = 1; ; attempt++) {
        try {
          const started = await startListen(children, pulse, speaker);
          welcomes.push(started.welcome);
          listen = started.listen;
          return listen;
        } catch (error) {
          if (error instanceof BenchAborted) throw error;
          // The first start failing means listen cannot run here at all: say why, measure nothing.
          if (!welcomes.some((welcome) => !welcome.error))
            throw new BenchSetupError(`listen could not start a conversation: ${(error as Error).message}`);
          // Later (its welcome stopped by its own echo, say), it is noted and started again.
          const message = (error as Error).message;
          welcomes.push({ startToSoundMs: null, welcomeToReadyMs: null, error: message });
          process.stderr.write(`a start of listen failed: ${message}\n`);
          if (attempt === 3) throw error;
        }
      }
    };
    const drop = async () => {
      await listen?.stop();
      listen = undefined;
    };
    for (const [index, question] of questions.entries()) {
      const current = await running();
      // A moment after it listens, as a person would take.
      await sleep(400);
      const { trial } = await ask(index, question, current, children, pulse, microphone, speaker);
      trials.push(trial);
      process.stderr.write(
        `${index + 1}/${questions.length} ${question.voice} "${question.text}": ${
          trial.latencyMs === null ? trial.error : `${Math.round(trial.latencyMs)} ms`
        }${trial.answeredRight ? "" : ` (heard "${trial.heard ?? ""}")`}\n`,
      );
      if (trial.latencyMs === null) await drop();
    }
    let loopback: ReturnType<typeof loadEchoLoopback> | undefined;
    if (userSink) {
      loopback = loadEchoLoopback(pulse, options.echoDelayMs);
      unload.push(loopback.unload);
      // Silent until the answers' level is known: from what listen has said so far (its welcome at least).
      loopback.mute();
      await running();
      const speakerRms = activeRms(speakerRecording.pcm.subarray(speechFrom));
      const userSpeech = [...echoQuestions, ...longQuestions, ...interjections];
      const speechRms = activeRms(concatenated(userSpeech.map((speech) => speech.pcm)));
      const gainDb = dbOf(speechRms / speakerRms) - options.echoBelowSpeechDb;
      loopback.setGainDb(gainDb);
      process.stderr.write(
        `echo: the answers at ${dbOf(speakerRms / 32768).toFixed(1)} dBFS, the user's speech at ${dbOf(speechRms / 32768).toFixed(1)} dBFS; loopback gain ${gainDb.toFixed(1)} dB, ${options.echoDelayMs} ms\n`,
      );
      echo = {
        belowSpeechDb: options.echoBelowSpeechDb,
        loopbackDelayMs: options.echoDelayMs,
        bargeInVoices: options.bargeIns > 0 ? options.bargeInVoices : [],
        repeats: options.bargeIns,
        waitMs: options.bargeInWaitMs,
        shortByMs: SHORT_BY_MS,
        saidToMicMs: saidToMicMs.map(round),
      };
      const echoStage: EchoStage = {
        ...stage,
        said: userSink.said,
        saidToMicMs: userSink.saidToMicMs,
        userSink: userSink.sink,
        speechRms,
      };
      for (const [index, question] of echoQuestions.entries()) {
        const current = await running();
        await sleep(400);
        const { record, spoken } = await askOverEcho(index, question, current, echoStage);
        echoAnswers.push(record);
        spokenAnswers.push(spoken);
        process.stderr.write(
          `echo ${index + 1}/${echoQuestions.length} "${question.text}": ${
            record.playedMs === null ? record.error : `${Math.round(record.playedMs)} ms played`
          }${record.heard ? `, heard "${record.heard}" over it` : ""}\n`,
        );
        if (record.playedMs === null) await drop();
      }
      for (const [index, interjection] of interjections.entries()) {
        const current = await running();
        await sleep(400);
        const question = longQuestions[index % longQuestions.length] as Question;
        const { record, listenLeft } = await bargeIn(index, question, interjection, current, echoStage).catch(
          (error: Error) => {
            if (error instanceof BenchAborted || error instanceof BenchSetupError) throw error;
            // A trial that could not be run (no answer to cut into, a recording that stopped) is a miss.
            return {
              record: {
                kind: interjection.kind,
                voice: interjection.voice,
                faqId: question.faqId,
                saidAfterMs: 0,
                bargeInMs: null,
                followUp: interjection.followUp?.question ?? null,
                followUpHeard: null,
                followUpAnsweredRight: interjection.followUp ? false : null,
                loadAverage: round(loadavg()[0] as number),
                error: error.message,
              },
              listenLeft: false,
            };
          },
        );
        bargeIns.push(record);
        process.stderr.write(
          `barge-in ${index + 1}/${interjections.length} ${interjection.kind} ${interjection.voice}: ${
            record.bargeInMs === null ? record.error : `${Math.round(record.bargeInMs)} ms`
          }${record.followUp ? `; then "${record.followUpHeard ?? ""}" ${record.followUpAnsweredRight ? "answered" : "not answered"}` : ""}\n`,
        );
        if (!listenLeft) await drop();
      }
    }
    if (wakeRun) {
      // listen --wake alone hears the microphone now, and its answers are not echoed into it.
      await drop();
      loopback?.mute();
      let restarts = 0;
      let startToWaitingMs: number | null = null;
      /** The listen --wake process, waiting for the word: started again if it ended or never went back. */
      const waiting = async (): Promise<ListenProcess> => {
        if (waking && waking.status() === "waiting" && !waking.ended) return waking;
        if (waking) {
          restarts++;
          process.stderr.write(
            `${waking.ended ?? "listen --wake did not go back to waiting"}; starting it again\n`,
          );
          await waking.stop();
          waking = undefined;
        }
        try {
          const started = await startWaking(children, pulse);
          startToWaitingMs ??= started.startToWaitingMs;
          waking = started.listen;
          return waking;
        } catch (error) {
          if (error instanceof BenchAborted || startToWaitingMs !== null) throw error;
          throw new BenchSetupError(`listen --wake could not start: ${(error as Error).message}`);
        }
      };
      for (const [index, speech] of wakeSpeech.entries()) {
        const current = await waiting();
        await speakerQuiet(stage.speaker, 1000, options.answerTimeout);
        await sleep(400);
        const { record, listenLeft } = await wakeTrial(index, speech, current, stage);
        wakeTrials.push(record);
        process.stderr.write(
          `wake ${index + 1}/${wakeSpeech.length} ${speech.voice} ${speech.condition}: ${
            record.woken
              ? `woken, ${record.latencyMs === null ? record.error : `${Math.round(record.latencyMs)} ms`}${
                  record.answeredRight ? "" : ` (heard "${record.heard ?? ""}")`
                }; follow-up ${record.followUpAnsweredRight ? "answered" : "not answered"}; ${
                  record.backToWaiting === null
                    ? "no stop said"
                    : record.backToWaiting
                      ? "waiting again after stop"
                      : "not waiting after stop"
                }`
              : "missed"
          }\n`,
        );
        if (!listenLeft && waking) {
          await waking.stop();
          waking = undefined;
          restarts++;
        }
      }
      if (talk.length > 0) {
        process.stderr.write(`playing ${options.wakeTalkMinutes} minutes of other talk to listen --wake\n`);
        falseWakeRun = await falseWakes(talk, waiting, stage);
      }
      wake = {
        command: ["her-faq listen", ...listenArgs, "--wake"].join(" "),
        startToWaitingMs: startToWaitingMs === null ? null : round(startToWaitingMs),
        voices: wakeSpeech.length > 0 ? options.bargeInVoices : [],
        repeats: options.wakeTrials,
        conditions: [...new Set(wakeSpeech.map((speech) => speech.condition))],
        talkers: talk.length > 0 ? TALKERS : [],
        texts: talk.length > 0 ? TALK_TEXTS : [],
        talkMinutes: options.wakeTalkMinutes,
        restarts,
      };
    }
  } finally {
    await waking?.stop();
    await listen?.stop();
    for (const undo of unload.reverse()) undo();
    await children.endAll();
    await pulse.stop();
    if (options.keepAudio && recordings) {
      mkdirSync(options.keepAudio, { recursive: true });
      for (const [name, recording] of Object.entries(recordings))
        writeFileSync(join(options.keepAudio, `${name}.wav`), encodeWav(recording.pcm, RATE));
    }
  }
  if (echoAnswers.length > 0) {
    process.stderr.write("making the answers' sentences with listen's voice, for their natural lengths\n");
    const lengths = await naturalLengthsMs(spokenAnswers.filter((text): text is string => text !== null));
    for (const [index, record] of echoAnswers.entries()) {
      const fullMs = lengths.get(spokenAnswers[index] ?? "") ?? null;
      echoAnswers[index] = {
        ...record,
        fullMs,
        falseStop: isFalseStop(record.playedMs, fullMs, record.heard, SHORT_BY_MS),
      };
    }
  }
  return {
    settings: {
      date: new Date().toISOString().slice(0, 10),
      cores: availableParallelism(),
      platform: `${process.platform}/${process.arch}`,
      node: process.versions.node,
      command: ["her-faq listen", ...listenArgs].join(" "),
      revision: revision(),
      voices: options.voices,
      questions: chosenQuestions(options.questions).map((entry) => entry.question),
      noiseDbfs: options.noiseDbfs,
      loadAverage: [round(loadBefore), round(loadavg()[0] as number)],
      sentenceGapMs: options.sentenceGapMs,
      clockCheckMs: clockCheckMs.map(round),
      playbackUnderruns: underrunsSoFar(),
      echo,
    },
    welcomes,
    trials,
    echoAnswers,
    bargeIns,
    wake,
    wakeTrials,
    falseWakes: falseWakeRun,
  };
}

function median(values: readonly number[]): number {
  return summarize(values)?.median ?? 0;
}

async function main(): Promise<void> {
  const missing = missingTools();
  if (missing) throw new BenchSetupError(missing);
  if (!existsSync(join(root, "dist", "cli.js")))
    throw new BenchSetupError("the CLI is not built: run `npm run build` first");
  const children = new Children();
  process.once("exit", () => children.killAllNow());
  const interrupted = () => {
    process.stderr.write("\nstopping: ending listen and the PulseAudio server\n");
    process.exitCode = 130;
    abort.abort();
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  const run = await measure(children);
  mkdirSync(options.out, { recursive: true });
  writeFileSync(join(options.out, "conversation.md"), markdownOf(run));
  writeFileSync(join(options.out, "conversation.json"), jsonOf(run));
  for (const report of scenarioReports(run)) process.stdout.write(`${report.title}: ${headlineOf(report)}\n`);
  const gaps = scenarioReports(run).find((report) => report.id === "latency");
  if (gaps?.measured && "startToWelcomeMs" in gaps.figures) {
    const { welcomeToReadyMs, startToWelcomeMs, sentenceGapsMs } = gaps.figures;
    const median = (value: { median: number } | null) => (value ? `${Math.round(value.median)} ms` : "–");
    process.stdout.write(
      `  start to welcome ${median(startToWelcomeMs)}, welcome to listening ${median(welcomeToReadyMs)}, gaps between sentences ${median(sentenceGapsMs)} (medians)\n`,
    );
  }
  process.stdout.write(`wrote ${join(options.out, "conversation.md")} and conversation.json\n`);
}

main().catch((error: unknown) => {
  if (error instanceof BenchAborted) process.exitCode = 130;
  else {
    process.stderr.write(
      `bench:conversation: ${error instanceof BenchSetupError ? error.message : ((error as Error).stack ?? String(error))}\n`,
    );
    process.exitCode = 1;
  }
});
