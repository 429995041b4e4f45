/**
 * The voice benchmark: how well the voice front door answers and turns away synthetic speech, clean and in
 * noise, by voices it was tuned with and voices it never heard, and how fast. Writes voice.md, voice.json
 * and SVG plots to docs/bench (or --out), and prints the headline figures; the tables and plots are drawn
 * by voice-report.ts and plot.ts.
 *
 *   npm run bench:voice                                      the full run (one worker per core)
 *   npm run bench:voice -- --sets seed --voices flite:slt --limit 4 --out /tmp/bench --skip-startup
 *   npm run bench:voice -- --startup [--runs 7]              start-up only: prints, writes nothing
 *   npm run bench:voice -- --plan                            what would be measured, by whom: prints only
 *   npm run bench:voice -- --from FILE [--out DIR]            the report again from an earlier run's --raw FILE
 *
 * Clean speech is every item spoken by every voice. Each noise condition (pink, white, babble at 20, 10, 5
 * and 0 dB) hears a share of the items (--noise-share, half by default; the half alternates from one SNR to
 * the next), each spoken by one voice taken in turn, so every voice is heard in every noise. At one SNR the
 * three noises hear the same items in the same voices, so the noises compare like for like.
 *
 * Start-up is measured first, whole-process: `her-faq listen --engine pocketsphinx --json --wav` on one
 * file (run `npm run build` first), with an empty cache once and then with the cache filled, next to a bare
 * `node -e 0`.
 *
 * holdout-d is blind: written by someone who never saw the samples or the other sets, never used to tune.
 * The calibration (bench/calibrate-voice.ts) tunes on dev and holdouts A to C with the tuning voices; it
 * never reads holdout-d nor the unseen voices.
 */
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import cliProgress from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import { interactionModelFor } from "../interaction-model/index.js";
import { NOISE_KINDS, withNoise } from "../local-runner/audio/noise.js";
import { SAMPLE_RATE } from "../local-runner/audio/wav.js";
import { intentOf } from "../local-runner/conversation.js";
import { ANSWER_THRESHOLD, decide } from "../local-runner/decision.js";
import { readEvalFile } from "../local-runner/eval.js";
import { CACHE_FOLDER_VARIABLE } from "../local-runner/recognizers/model-cache.js";
import { createRecognizer } from "../local-runner/recognizers/select.js";
import { createRuntime } from "../local-runner/runtime.js";
import { sanitizeForSpeech, sentencesOf } from "../local-runner/speech-out/sanitize.js";
import {
  DEFAULT_TEST_VOICES,
  type SynthVoice,
  synthesize,
  synthesizeWav,
} from "../local-runner/speech-out/synthesize.js";
import { answerReading } from "../local-runner/voice.js";
import { faq } from "../skill/faq/index.js";
import {
  type BenchConfig,
  type Condition,
  conditionLabel,
  curveDisagreements,
  figuresOf,
  headlineTable,
  type Latency,
  type Measured,
  markdownOf,
  plotsOf,
  quantile,
  type RealTimeFigures,
  SNRS,
  type StartupFigures,
  startupTable,
  type UtteranceRecord,
} from "./voice-report.js";

const root = join(import.meta.dirname, "..");

/** Voices nothing was tuned on: the policy was calibrated with DEFAULT_TEST_VOICES alone. */
const UNSEEN_VOICES: readonly SynthVoice[] = [
  "flite:awb",
  "flite:rms",
  "flite:slt",
  "flite:kal16",
  "espeak:en-us+f4",
  "espeak:en-us+m3",
];
const SET_FILES: Readonly<Record<string, string | null>> = {
  seed: null,
  dev: join(root, "..", "shared", "eval", "dev.tsv"),
  holdout: join(root, "test", "eval", "holdout.tsv"),
  "holdout-b": join(root, "test", "eval", "holdout-b.tsv"),
  "holdout-c": join(root, "test", "eval", "holdout-c.tsv"),
  "holdout-d": join(root, "test", "eval", "holdout-d.tsv"),
};
const CONDITIONS: readonly Condition[] = [
  { noise: "clean", snr: null },
  ...NOISE_KINDS.flatMap((noise) => SNRS.map((snr) => ({ noise, snr }))),
];
/** Samples fed to the recognizer at a time: 100 ms, as a microphone delivers them. */
const CHUNK = 1600;
/** Utterances in the one-process real-time measurement. */
const REAL_TIME_UTTERANCES = 24;

interface Options {
  readonly sets: string[];
  readonly voices: SynthVoice[];
  readonly noiseShare: number;
  readonly limit?: number;
  readonly out: string;
  readonly raw?: string;
  readonly from?: string;
  readonly workers: number;
  readonly startup?: boolean;
  readonly skipStartup?: boolean;
  readonly skipRealTime?: boolean;
  readonly realTime?: boolean;
  readonly plan?: boolean;
  readonly runs: number;
  readonly shard?: [number, number];
}

const options = new Command("bench:voice")
  .description("spoken accuracy, rejection, speed and latency of the voice front door")
  .option("--sets <names>", `comma-separated, from ${Object.keys(SET_FILES).join(", ")}`, parseSets, [
    "seed",
    "holdout-d",
  ])
  .option("--voices <voices>", "comma-separated festival:NAME, espeak:NAME or flite:NAME", parseVoices, [
    ...DEFAULT_TEST_VOICES,
    ...UNSEEN_VOICES,
  ])
  .option(
    "--noise-share <fraction>",
    "share of the items each noise condition hears, 0 to 1",
    parseShare,
    0.5,
  )
  .option("--limit <n>", "at most n items from each set, spread over it (for a quick try)", parseCount)
  .option("--out <dir>", "folder for voice.md, voice.json and the plots", join(root, "docs", "bench"))
  .option("--raw <file>", "also write every utterance's record (and the run's settings) to this JSON file")
  .option("--from <file>", "write the report from a --raw file of an earlier run, measuring nothing")
  .option(
    "--workers <n>",
    "worker processes (default: one per core, at most 4)",
    parseCount,
    Math.max(1, Math.min(availableParallelism(), 4)),
  )
  .option("--startup", "measure start-up only: print it, write nothing")
  .option("--skip-startup", "leave start-up out (measuring it needs npm run build)")
  .option("--skip-real-time", "leave out the one-process real-time factor in babble")
  .option("--real-time", "measure the one-process real-time factor in babble only: print it, write nothing")
  .option("--plan", "print how many utterances each condition, voice and worker gets, and stop")
  .option("--runs <n>", "start-up runs", parseCount, 5)
  .addOption(
    new Option("--shard <k/n>", "worker k of n (used by the benchmark itself)")
      .argParser(parseShard)
      .hideHelp(),
  )
  .parse()
  .opts<Options>();

interface Item {
  readonly set: string;
  readonly utterance: string;
  /** A phrase of the expected answer, or "@fallback". */
  readonly expectation: string;
}

/** One utterance to measure: an item, spoken by a voice, in a condition (indexes into their lists). */
interface Job {
  readonly condition: number;
  readonly item: number;
  readonly voice: number;
}

interface WorkerResult {
  readonly recognizer: string;
  readonly records: UtteranceRecord[];
  readonly latency: Latency;
  readonly peakRssMiB: number;
}

type WorkerMessage = { kind: "progress"; condition: string } | { kind: "done"; result: WorkerResult };

const items = itemsOf(options.sets, options.limit);
const jobs = jobsFor(items.length, options.voices.length, options.noiseShare);

/** The sets' items, leaving out @help and @stop rows; with a limit, that many spread over each set. */
function itemsOf(sets: readonly string[], limit: number | undefined): Item[] {
  return sets.flatMap((set) => {
    const file = SET_FILES[set];
    const all: Item[] = file
      ? readEvalFile(file)
          .filter((row) => row.expectation !== "@help" && row.expectation !== "@stop")
          .map((row) => ({ set, utterance: row.utterance, expectation: row.expectation }))
      : faq.map((entry) => ({ set, utterance: entry.question, expectation: entry.answer.slice(0, 40) }));
    if (limit === undefined || limit >= all.length) return all;
    return Array.from({ length: limit }, (_, i) => all[Math.floor(((i + 0.5) * all.length) / limit)] as Item);
  });
}

/** Every utterance to measure, in the order a worker measures them: by condition, then voice, then item. */
function jobsFor(itemCount: number, voiceCount: number, share: number): Job[] {
  const jobs: Job[] = [];
  for (const [condition, { noise, snr }] of CONDITIONS.entries()) {
    if (noise === "clean") {
      for (let voice = 0; voice < voiceCount; voice++)
        for (let item = 0; item < itemCount; item++) jobs.push({ condition, item, voice });
      continue;
    }
    // Shifted by the SNR's place, so the share taken moves from one SNR to the next, and the three noises
    // at one SNR take the same items in the same voices.
    const shift = SNRS.indexOf(snr as number);
    const heard: Job[] = [];
    for (let item = 0; item < itemCount; item++) {
      if (Math.floor((item + shift + 1) * share) === Math.floor((item + shift) * share)) continue;
      heard.push({ condition, item, voice: (heard.length + shift) % voiceCount });
    }
    jobs.push(...heard.sort((a, b) => a.voice - b.voice || a.item - b.item));
  }
  return jobs;
}

/**
 * Which worker measures each job. All the jobs of one item in one voice go to one worker, which then
 * synthesizes it once; those items are dealt out in turn, the most-used first, so the workers get alike.
 */
function workerOf(jobs: readonly Job[], parts: number): (job: Job) => number {
  const key = (job: Job) => job.voice * items.length + job.item;
  const uses = new Map<number, number>();
  for (const job of jobs) uses.set(key(job), (uses.get(key(job)) ?? 0) + 1);
  const order = [...uses].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const owner = new Map(order.map(([pair], index) => [pair, index % parts]));
  return (job) => owner.get(key(job)) as number;
}

const lower = (text: string) => text.toLowerCase();

/** What the skill said is right for the item: the expected phrase, or for out-of-domain speech no FAQ answer. */
function rightAnswer(item: Item, speech: string): boolean {
  const said = lower(speech);
  return item.expectation === "@fallback"
    ? !faq.some((entry) => said.includes(lower(entry.answer)))
    : said.includes(lower(item.expectation));
}

/** A worker: measures its share of the jobs and sends the records back. */
async function measure(part: number, parts: number): Promise<WorkerResult> {
  const runtime = createRuntime();
  const recognizer = createRecognizer(interactionModelFor("en-US"));
  const meaningOf = (text: string) => runtime.resolver.resolve(text);
  const owner = workerOf(jobs, parts);
  const mine = jobs.filter((job) => owner(job) === part);
  const records: UtteranceRecord[] = [];
  const latency: Latency = { recognizeAfterEnd: [], resolveAndSkill: [], firstAudio: [] };
  let peakRss = 0;

  // Clean speech is kept while noisier conditions still need it. The recognizer carries its feature
  // normalisation over from one utterance to the next, so the order (a condition at a time, a voice at a
  // time) is that of one speaker in one room.
  const spoken = new Map<string, { pcm: Int16Array; uses: number }>();
  for (const job of mine) {
    const key = `${job.voice}|${job.item}`;
    const entry = spoken.get(key);
    if (entry) entry.uses++;
    else spoken.set(key, { pcm: new Int16Array(0), uses: 1 });
  }
  for (const job of mine) {
    const item = items[job.item] as Item;
    const voice = options.voices[job.voice] as SynthVoice;
    const condition = CONDITIONS[job.condition] as Condition;
    const key = `${job.voice}|${job.item}`;
    const cached = spoken.get(key) as { pcm: Int16Array; uses: number };
    if (cached.pcm.length === 0) cached.pcm = synthesize(item.utterance, voice);
    const clean = cached.pcm;
    if (--cached.uses === 0) spoken.delete(key);
    const audio =
      condition.noise === "clean"
        ? clean
        : withNoise(
            clean,
            condition.noise,
            condition.snr as number,
            1 + job.item * CONDITIONS.length + job.condition,
          );

    const stream = recognizer.start();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let offset = 0; offset < audio.length; offset += CHUNK)
      stream.accept(audio.subarray(offset, offset + CHUNK));
    const fedAll = performance.now();
    const transcript = await stream.finish();
    const recognized = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    const { decision, turn } = await answerReading(runtime.conversation(), transcript);
    const answered = performance.now();
    // The best reading whatever the threshold, and what acting on it would say, for the threshold curve.
    const best = decide(transcript, meaningOf, 0);
    const actedOn = best.reading ? await runtime.conversation().send(best.resolution, best.text) : undefined;

    records.push({
      voice,
      set: item.set,
      utterance: item.utterance,
      expectation: item.expectation,
      noise: condition.noise,
      snr: condition.snr,
      inDomain: item.expectation !== "@fallback",
      heard: decision.text,
      intent: intentOf(turn.resolution),
      correct: rightAnswer(item, turn.speech),
      score: decision.score,
      best: actedOn ? { score: best.score, correct: rightAnswer(item, actedOn.speech) } : null,
      audioSeconds: audio.length / SAMPLE_RATE,
      decodeMs: recognized - started,
      decodeCpuMs: (cpu.user + cpu.system) / 1000,
    });
    if (condition.noise === "clean") {
      latency.recognizeAfterEnd.push(recognized - fedAll);
      latency.resolveAndSkill.push(answered - recognized);
      if (latency.firstAudio.length < 10 && item.expectation !== "@fallback") {
        // Time to the first answer audio: synthesizing the answer is the part a listener waits for. The
        // speaker's first sentence, as SaySpeaker sends it to festival.
        const t0 = performance.now();
        const first = sentencesOf(sanitizeForSpeech(turn.speech))[0] ?? "";
        synthesizeWav(first, "festival:cmu_us_slt_arctic_hts");
        latency.firstAudio.push(answered - fedAll + (performance.now() - t0));
      }
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    process.send?.({ kind: "progress", condition: conditionLabel(condition) } satisfies WorkerMessage);
  }
  const name = recognizer.name;
  recognizer.close();
  return { recognizer: name, records, latency, peakRssMiB: peakRss / 2 ** 20 };
}

/**
 * Recognition's real-time factor as a live conversation has it: one recognizer alone in this process,
 * after the workers are done, its decoders free to use every core. In-domain items spoken by the unseen
 * voices in turn, in babble at 10 dB.
 */
async function measureRealTime(): Promise<RealTimeFigures> {
  const recognizer = createRecognizer(interactionModelFor("en-US"));
  const unseen = options.voices.filter((voice) => !DEFAULT_TEST_VOICES.includes(voice));
  const voices = unseen.length > 0 ? unseen : options.voices;
  const chosen = items.filter((item) => item.expectation !== "@fallback").slice(0, REAL_TIME_UTTERANCES);
  const wall: number[] = [];
  const cpu: number[] = [];
  let audioSeconds = 0;
  console.log(`real-time factor: ${chosen.length} utterances in babble at 10 dB, one process...`);
  for (const [index, item] of chosen.entries()) {
    const voice = voices[index % voices.length] as SynthVoice;
    const audio = withNoise(synthesize(item.utterance, voice), "babble", 10, 7919 + index);
    const seconds = audio.length / SAMPLE_RATE;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const stream = recognizer.start();
    for (let offset = 0; offset < audio.length; offset += CHUNK)
      stream.accept(audio.subarray(offset, offset + CHUNK));
    await stream.finish();
    wall.push((performance.now() - started) / 1000 / seconds);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1e6 / seconds);
    audioSeconds += seconds;
  }
  recognizer.close();
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const at = (values: number[], q: number) =>
    sorted(values)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0;
  return {
    condition: "babble at 10 dB",
    utterances: chosen.length,
    audioSeconds,
    median: at(wall, 0.5),
    p90: at(wall, 0.9),
    cpuMedian: at(cpu, 0.5),
    cores: availableParallelism(),
  };
}

/** Runs the workers, shows their progress, and gathers what they measured. */
async function measureInParallel(parts: number): Promise<WorkerResult[]> {
  const bar = new cliProgress.SingleBar(
    {
      format: "{bar} {value}/{total} utterances | {condition} | {duration_formatted}, eta {eta_formatted}",
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 30_000,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(jobs.length, 0, { condition: "starting" });
  const children: ChildProcess[] = [];
  const runs = Array.from({ length: parts }, (_, part) => {
    const child = fork(process.argv[1] as string, [...process.argv.slice(2), "--shard", `${part}/${parts}`], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.push(child);
    let result: WorkerResult | undefined;
    child.on("message", (message: WorkerMessage) => {
      if (message.kind === "progress") bar.increment({ condition: message.condition });
      else result = message.result;
    });
    return new Promise<WorkerResult>((resolve, reject) =>
      child.on("exit", (code, signal) =>
        code === 0 && result
          ? resolve(result)
          : reject(
              new Error(`benchmark worker ${part + 1} of ${parts} stopped (${signal ?? `exit ${code}`})`),
            ),
      ),
    );
  });
  try {
    return await Promise.all(runs);
  } catch (error) {
    for (const child of children) if (child.exitCode === null) child.kill();
    throw error;
  } finally {
    bar.stop();
  }
}

/** Fails in seconds rather than minutes: every voice speaks, and the babble track is made once, here. */
function preflight(): void {
  for (const voice of options.voices) synthesize("hello", voice);
  withNoise(synthesize("hello", options.voices[0] as SynthVoice), "babble", 10, 1);
}

interface ProcessRun {
  readonly wallMs: number;
  readonly peakRssMiB: number;
}

/** Runs node with `args` to its end: wall time seen from here, and the peak RSS the process reports. */
function runNode(args: readonly string[], env: NodeJS.ProcessEnv): ProcessRun {
  // The process's own ru_maxrss (what /usr/bin/time reports as maximum resident set size), on every OS.
  const reportPeak = `data:text/javascript,${encodeURIComponent(
    "process.on('exit', () => process.stderr.write('\\npeak-rss-kib ' + process.resourceUsage().maxRSS + '\\n'));",
  )}`;
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--import", reportPeak, ...args], { env, encoding: "utf8" });
  const wallMs = performance.now() - started;
  const peak = /peak-rss-kib (\d+)/.exec(run.stderr ?? "");
  if (run.status !== 0 || !peak)
    throw new Error(`node ${args.join(" ")} failed (${run.status}): ${run.stderr?.trim().slice(0, 500)}`);
  return { wallMs, peakRssMiB: Number(peak[1]) / 1024 };
}

/** Whole-process start-up of one-file listening, cold cache once, then warm, next to a bare node. */
function measureStartup(runs: number): StartupFigures {
  const cli = join(root, "bin", "her-faq.js");
  if (!existsSync(join(root, "dist", "cli.js")))
    throw new Error("the CLI is not built: run npm run build first, or pass --skip-startup");
  const folder = mkdtempSync(join(tmpdir(), "her-faq-startup-"));
  try {
    const question = join(folder, "question.wav");
    writeFileSync(question, synthesizeWav("who stars in her", "espeak:en-us"));
    // A cache of its own, empty at first, so the cold run is cold and the user's cache is left alone.
    const env = { ...process.env, [CACHE_FOLDER_VARIABLE]: join(folder, "cache") };
    const listen = [cli, "listen", "--engine", "pocketsphinx", "--json", "--wav", question];
    const cold = runNode(listen, env);
    const warm: ProcessRun[] = [];
    const bare: ProcessRun[] = [];
    // Interleaved, so a neighbour's load falls on both alike.
    for (let run = 0; run < runs; run++) {
      warm.push(runNode(listen, env));
      bare.push(runNode(["-e", "0"], env));
    }
    const medianOf = (values: ProcessRun[], key: keyof ProcessRun) =>
      quantile(
        values.map((v) => v[key]),
        0.5,
      );
    return {
      runs,
      bareNode: { wallMs: medianOf(bare, "wallMs"), peakRssMiB: medianOf(bare, "peakRssMiB") },
      coldCache: cold,
      warmCache: {
        wallMs: medianOf(warm, "wallMs"),
        peakRssMiB: medianOf(warm, "peakRssMiB"),
        maxPeakRssMiB: Math.max(...warm.map((run) => run.peakRssMiB)),
      },
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Floats to four decimals: the figures, not the noise of the arithmetic. */
const rounded = (_key: string, value: unknown) =>
  typeof value === "number" && !Number.isInteger(value) ? Number(value.toFixed(4)) : value;

async function main(): Promise<void> {
  if (options.shard) {
    const result = await measure(...options.shard);
    process.send?.({ kind: "done", result } satisfies WorkerMessage, () => process.disconnect());
    return;
  }
  if (options.plan) return printPlan(Math.min(options.workers, jobs.length));
  const measured = options.from
    ? (JSON.parse(readFileSync(options.from, "utf8")) as Measured)
    : await measureAll();
  if (measured) report(measured);
}

/** Start-up, then every utterance; nothing more with --startup. */
async function measureAll(): Promise<Measured | undefined> {
  if (options.realTime) {
    const { median, p90, cpuMedian, audioSeconds } = await measureRealTime();
    console.log(
      `real-time factor in babble at 10 dB, one process on ${availableParallelism()} cores ` +
        `(${audioSeconds.toFixed(0)} s of audio): median ${median.toFixed(3)}, p90 ${p90.toFixed(3)}, ` +
        `processor time per audio second ${cpuMedian.toFixed(3)}`,
    );
    return undefined;
  }
  let startup: StartupFigures | null = null;
  if (options.startup || !options.skipStartup) {
    console.log(`start-up: ${options.runs} runs of one-file listening, and of a bare node...`);
    startup = measureStartup(options.runs);
    console.log(`\n${startupTable(startup, availableParallelism()).join("\n")}\n`);
    if (options.startup) return undefined;
  }

  const workers = Math.min(options.workers, jobs.length);
  console.log(
    `${jobs.length} utterances: ${items.length} items x ${options.voices.length} voices clean, and ` +
      `${CONDITIONS.length - 1} noise conditions of ${jobs.filter((job) => job.condition === 1).length}; ` +
      `${workers} workers`,
  );
  preflight();
  const started = performance.now();
  const results = await measureInParallel(workers);
  const realTime = options.skipRealTime ? null : await measureRealTime();
  const records = results.flatMap((result) => result.records);
  const config: BenchConfig = {
    recognizer: results[0]?.recognizer ?? "",
    tuningVoices: options.voices.filter((voice) => DEFAULT_TEST_VOICES.includes(voice)),
    unseenVoices: options.voices.filter((voice) => !DEFAULT_TEST_VOICES.includes(voice)),
    sets: options.sets.map((name) => ({
      name,
      inDomain: items.filter((item) => item.set === name && item.expectation !== "@fallback").length,
      outOfDomain: items.filter((item) => item.set === name && item.expectation === "@fallback").length,
    })),
    limit: options.limit ?? null,
    conditions: CONDITIONS,
    noiseShare: options.noiseShare,
    utterances: records.length,
    minutes: (performance.now() - started) / 60_000,
    workers,
    cores: availableParallelism(),
    threshold: ANSWER_THRESHOLD,
  };
  return {
    config,
    records,
    latency: {
      recognizeAfterEnd: results.flatMap((r) => r.latency.recognizeAfterEnd),
      resolveAndSkill: results.flatMap((r) => r.latency.resolveAndSkill),
      firstAudio: results.flatMap((r) => r.latency.firstAudio),
    },
    peakRssMiB: Math.max(...results.map((r) => r.peakRssMiB)),
    startup,
    realTime,
  };
}

/** Writes the report's files and prints the headline. */
function report(measured: Measured): void {
  const { config, records } = measured;
  const figures = figuresOf(measured);
  const plots = plotsOf(config, figures);
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "voice.json"), `${JSON.stringify({ config, figures }, rounded, 1)}\n`);
  writeFileSync(join(out, "voice.md"), markdownOf(measured, figures, plots));
  for (const [file, svg] of Object.entries(plots)) writeFileSync(join(out, file), svg);
  if (options.raw) writeFileSync(options.raw, `${JSON.stringify(measured)}\n`);

  const disagreements = curveDisagreements(records, config.threshold);
  if (disagreements > 0)
    console.warn(
      `warning: at the policy's threshold the threshold curve judges ${disagreements} utterances otherwise than the policy's own run did`,
    );
  const babble10 = figures.realTimeFactor.find((line) => line.condition === "babble 10 dB");
  const perUtterance = (config.minutes * 60 * config.workers) / Math.max(1, records.length);
  console.log(
    [
      "",
      ...headlineTable(figures),
      "",
      babble10
        ? `real-time factor in the workers (${config.workers} sharing ${config.cores} cores), babble at 10 dB: median ${babble10.median.toFixed(3)}, p90 ${babble10.p90.toFixed(3)}`
        : "",
      measured.realTime
        ? `real-time factor of one process alone, babble at 10 dB: median ${measured.realTime.median.toFixed(3)}, p90 ${measured.realTime.p90.toFixed(3)}`
        : "",
      `${records.length} utterances in ${config.minutes.toFixed(1)} min with ${config.workers} workers on ` +
        `${config.cores} cores (${perUtterance.toFixed(2)} s per utterance per worker)`,
      `wrote ${["voice.md", "voice.json", ...Object.keys(plots)].map((file) => join(out, file)).join(", ")}` +
        (options.raw ? ` and ${options.raw}` : ""),
    ].join("\n"),
  );
}

/** Utterances by condition and voice, and by worker. */
function printPlan(workers: number): void {
  const owner = workerOf(jobs, workers);
  const lines = CONDITIONS.map((condition, index) => {
    const counts = options.voices.map(
      (_, voice) => jobs.filter((job) => job.condition === index && job.voice === voice).length,
    );
    return `${conditionLabel(condition).padEnd(13)} ${counts.map((n) => String(n).padStart(5)).join("")}`;
  });
  const perWorker = Array.from({ length: workers }, (_, part) => jobs.filter((job) => owner(job) === part));
  const synthesized = (share: Job[]) => new Set(share.map((job) => `${job.voice}|${job.item}`)).size;
  console.log(
    [
      `${items.length} items; voices: ${options.voices.map((voice, index) => `${index + 1} ${voice}`).join(", ")}`,
      `${"".padEnd(13)} ${options.voices.map((_, index) => String(index + 1).padStart(5)).join("")}`,
      ...lines,
      `${jobs.length} utterances; ` +
        perWorker
          .map((share, part) => `worker ${part + 1}: ${share.length} (${synthesized(share)} synthesized)`)
          .join(", "),
    ].join("\n"),
  );
}

function parseSets(value: string): string[] {
  const sets = value.split(",").map((set) => set.trim());
  const unknown = sets.filter((set) => !(set in SET_FILES));
  if (unknown.length > 0 || sets.length === 0)
    throw new InvalidArgumentError(
      `"${unknown.join(", ")}" is not a set: choose from ${Object.keys(SET_FILES).join(", ")}`,
    );
  return sets;
}

function parseVoices(value: string): SynthVoice[] {
  const voices = value.split(",").map((voice) => voice.trim());
  for (const voice of voices)
    if (!/^(festival|espeak|flite):[A-Za-z0-9][A-Za-z0-9_+-]*$/.test(voice))
      throw new InvalidArgumentError(
        `"${voice}" is not a voice: give festival:NAME, espeak:NAME or flite:NAME`,
      );
  return voices as SynthVoice[];
}

function parseShare(value: string): number {
  const share = Number(value);
  if (value.trim() === "" || !(share > 0 && share <= 1))
    throw new InvalidArgumentError("give a fraction above 0 and at most 1, e.g. 0.5");
  return share;
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError("give a whole number from 1");
  return count;
}

function parseShard(value: string): [number, number] {
  const [part, parts] = value.split("/").map(Number);
  if (part === undefined || parts === undefined || !(part >= 0 && part < parts))
    throw new InvalidArgumentError("give k/n, with k from 0 to n-1");
  return [part, parts];
}

try {
  await main();
} catch (error) {
  // The message says what to do; a stack trace would bury it.
  console.error(`bench:voice: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
