/**
 * The conversation benchmark: `her-faq listen` in a live conversation, measured from outside its process on
 * audio paced in real time (issue 12, part 5). Spoken questions are played into a private PulseAudio server's
 * "mic" sink, whose monitor listen hears as its microphone; its answers play to the "spk" sink; the bench
 * records both monitors and times everything on one clock. Writes conversation.md and conversation.json to
 * docs/bench (or --out) and prints the headline of each scenario.
 *
 *   npm run build && npm run bench:conversation
 *   npm run bench:conversation -- --questions 3 --voices flite:slt --out /tmp/bench
 *
 * Needs pulseaudio, pulseaudio-utils (pacat, parec, pactl) and libasound2-plugins (ALSA's pulse plugin, for
 * festival's aplay). Not run in CI.
 */
import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Command, InvalidArgumentError } from "commander";
import { type SynthVoice, synthesize } from "../local-runner/speech-out/synthesize.js";
import { faq } from "../skill/faq/index.js";
import {
  FRAME_MS,
  lastSoundOf,
  noiseFloorOf,
  onsetOf,
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
} from "./conversation-pulse.js";
import {
  type ConversationRun,
  headlineOf,
  jsonOf,
  markdownOf,
  scenarioReports,
  type TrialRecord,
  type WelcomeRecord,
} from "./conversation-report.js";

const root = join(import.meta.dirname, "..");
const CLI = join(root, "bin", "her-faq.js");
const DEFAULT_VOICES: readonly SynthVoice[] = ["festival:cmu_us_slt_arctic_hts", "flite:awb"];

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
}

const options = new Command("bench:conversation")
  .description(
    "times a live `her-faq listen` conversation from outside, on real-time audio through PulseAudio",
  )
  .option("--questions <n>", `FAQ questions asked, spread over the ${faq.length}`, parseCount, 6)
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
  .parse()
  .opts<Options>();

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError("a whole number from 1 up");
  return count;
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

/** What `listen` prints, read as it arrives: what it heard, its answers, and each time it listens again. */
interface ListenEvent {
  readonly kind: "heard" | "answer" | "listening";
  readonly text: string;
  readonly atMs: number;
}

class ListenProcess {
  readonly events: ListenEvent[] = [];
  readonly startedAt = performance.now();
  private readonly child: ChildProcess;
  private pending = "";
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
    this.child.stderr?.on("data", (data) => (this.stderr += data));
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

  stop(): Promise<void> {
    return this.children.end(this.child, "SIGINT");
  }

  private read(text: string, atMs: number): void {
    // Segments with the character that ended each: a line ("\n") is final, a "\r" overwrites what it ended.
    const parts = (this.pending + text).split(/([\r\n])/);
    this.pending = parts.pop() ?? "";
    // The status is written without an end, to be overwritten: taken as soon as it is whole.
    if (strip(this.pending).trim() === "(listening)") {
      parts.push(this.pending, "\r");
      this.pending = "";
    }
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const line = strip(parts[i] as string).trim();
      const final = parts[i + 1] === "\n";
      if (line === "(listening)") this.events.push({ kind: "listening", text: line, atMs });
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
  const quietSamples = 4 * RATE;
  return waitUntil(
    "end of the answer",
    timeoutMs,
    () => {
      const ready = listen.listenings()[seen];
      if (ready) return ready.atMs;
      if (listen.listenings().length > 0) return undefined;
      const { pcm } = speaker.recording;
      if (pcm.length < quietSamples) return undefined;
      return lastSoundOf(pcm, pcm.length - quietSamples, pcm.length, speaker.thresholdDb, RATE) === undefined
        ? null
        : undefined;
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
  const listen = new ListenProcess(children, pulse.env, options.listenArg);
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
  const tone = Int16Array.from({ length: RATE / 4 }, (_, i) =>
    Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / RATE)),
  );
  const differences: number[] = [];
  try {
    for (let k = 0; k < 3; k++) {
      const now = performance.now();
      const fromMic = sampleAt(microphone, now);
      const fromSpeaker = sampleAt(speaker, now);
      await playInto(children, pulse, "both", tone, 5000);
      const atSpeaker = await nextSound(speaker, fromSpeaker, 5000, "clock check tone", () => undefined);
      const atMic = await nextSound(microphone, fromMic, 5000, "clock check tone", () => undefined);
      differences.push(timeOf(speaker, atSpeaker) - timeOf(microphone, atMic));
      await sleep(300);
    }
  } finally {
    unload();
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

/** One question asked and its answer heard out; the listen process is stopped if it did not answer in time. */
async function ask(
  index: number,
  question: Question,
  listen: ListenProcess,
  children: Children,
  pulse: PrivatePulse,
  microphone: Device,
  speaker: Device,
): Promise<TrialRecord> {
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
    return {
      ...record,
      ...said(),
      loadAverage,
      listenCpuMs: null,
      latencyMs: null,
      sentenceGapsMs: [],
      answeredRight: false,
      error: (error as Error).message,
    };
  }
  const cpuAtOnset = listen.cpuMs();
  const listenCpuMs = cpuAtEnd === null || cpuAtOnset === null ? null : cpuAtOnset - cpuAtEnd;
  const latencyMs = timeOf(speaker, onset) - questionEndMs;
  let readyAt: number | null;
  try {
    readyAt = await readyAgain(listen, seen, speaker, options.turnTimeout);
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
  const answeredRight = answer !== null && plain(answer).includes(plain(question.answer).slice(0, 60));
  return {
    ...record,
    ...shown,
    loadAverage,
    listenCpuMs,
    answer: answer?.slice(0, 80) ?? null,
    latencyMs,
    sentenceGapsMs,
    answeredRight,
  };
}

function synthesizeQuestions(): Question[] {
  const questions: Question[] = [];
  for (const entry of chosenQuestions(options.questions))
    for (const voice of options.voices) {
      const pcm = trimSilence(synthesize(entry.question, voice), RATE);
      questions.push({ faqId: entry.id, text: entry.question, answer: entry.answer, voice, pcm });
    }
  return questions;
}

async function measure(children: Children): Promise<ConversationRun> {
  const loadBefore = loadavg()[0] as number;
  process.stderr.write(`synthesizing ${options.questions} questions in ${options.voices.length} voices\n`);
  const questions = synthesizeQuestions();
  const pulse = await startPulse(children);
  const welcomes: WelcomeRecord[] = [];
  const trials: TrialRecord[] = [];
  let listen: ListenProcess | undefined;
  let clockCheckMs: number[] = [];
  try {
    checkAlsaReachesPulse(pulse);
    const micRecording = new Recording(children, pulse, `${MIC_SINK}.monitor`);
    const speakerRecording = new Recording(children, pulse, `${SPEAKER_SINK}.monitor`);
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
    for (const [index, question] of questions.entries()) {
      if (!listen || listen.ended) {
        if (listen) process.stderr.write(`${listen.ended}; starting it again\n`);
        let started: Awaited<ReturnType<typeof startListen>>;
        try {
          started = await startListen(children, pulse, speaker);
        } catch (error) {
          if (error instanceof BenchAborted || welcomes.some((welcome) => !welcome.error)) throw error;
          // The first start failing means listen cannot run here at all: say why, measure nothing.
          throw new BenchSetupError(`listen could not start a conversation: ${(error as Error).message}`);
        }
        listen = started.listen;
        welcomes.push(started.welcome);
      }
      // A moment after it listens, as a person would take.
      await sleep(400);
      const trial = await ask(index, question, listen, children, pulse, microphone, speaker);
      trials.push(trial);
      process.stderr.write(
        `${index + 1}/${questions.length} ${question.voice} "${question.text}": ${
          trial.latencyMs === null ? trial.error : `${Math.round(trial.latencyMs)} ms`
        }${trial.answeredRight ? "" : ` (heard "${trial.heard ?? ""}")`}\n`,
      );
      if (trial.latencyMs === null) {
        await listen.stop();
        listen = undefined;
      }
    }
  } finally {
    await listen?.stop();
    await children.endAll();
    await pulse.stop();
  }
  return {
    settings: {
      date: new Date().toISOString().slice(0, 10),
      cores: availableParallelism(),
      platform: `${process.platform}/${process.arch}`,
      node: process.versions.node,
      command: ["her-faq listen", ...options.listenArg].join(" "),
      revision: revision(),
      voices: options.voices,
      questions: chosenQuestions(options.questions).map((entry) => entry.question),
      noiseDbfs: options.noiseDbfs,
      loadAverage: [round(loadBefore), round(loadavg()[0] as number)],
      sentenceGapMs: options.sentenceGapMs,
      clockCheckMs: clockCheckMs.map(round),
    },
    welcomes,
    trials,
  };
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
  const gaps = scenarioReports(run).find((report) => report.measured);
  if (gaps?.measured) {
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
