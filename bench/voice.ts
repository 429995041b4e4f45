/**
 * Spoken accuracy and latency of the voice front door: seed questions and eval files synthesized with
 * several voices, clean and mixed with pink noise at 20, 10 and 5 dB SNR, recognized, resolved and answered.
 * Writes docs/bench/voice.{md,json} and docs/bench/voice-accuracy.svg; prints the headline figures. The
 * utterances are shared among one worker process per core.
 *
 *   npm run bench:voice [-- --sets seed,dev,holdout-c --voices festival:cmu_us_slt_arctic_hts,espeak:en-us]
 *   npm run bench:voice -- --startup [--runs 7]   (start-up only: prints, writes nothing)
 *
 * Start-up is measured first, whole-process: `her-faq listen --engine pocketsphinx --json --wav` on one
 * file (run `npm run build` first), with an empty cache once and then with the cache filled, next to a bare
 * `node -e 0`.
 *
 * holdout-c is blind: written for this benchmark by someone who never saw the samples, never used to tune.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { interactionModelFor } from "../interaction-model/index.js";
import { withNoise } from "../local-runner/audio/noise.js";
import { SAMPLE_RATE } from "../local-runner/audio/wav.js";
import { intentOf } from "../local-runner/conversation.js";
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
import { answerTranscript } from "../local-runner/voice.js";
import { faq } from "../skill/faq/index.js";

const root = join(import.meta.dirname, "..");
const option = (name: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1]?.split(",") : undefined;
};
const voices = (option("voices") ?? DEFAULT_TEST_VOICES) as SynthVoice[];
const setNames = option("sets") ?? ["seed", "dev", "holdout-c"];
/** "k/n": this process measures every n-th utterance from the k-th, and writes raw results to --raw. */
const shard = option("shard")?.[0]?.split("/").map(Number) as [number, number] | undefined;
const SNRS = [Number.POSITIVE_INFINITY, 20, 10, 5];

interface Item {
  readonly set: string;
  readonly utterance: string;
  /** A phrase of the expected answer, or "@fallback". */
  readonly expectation: string;
}

const items: Item[] = [];
for (const set of setNames) {
  if (set === "seed")
    for (const entry of faq)
      items.push({ set, utterance: entry.question, expectation: entry.answer.slice(0, 40) });
  else {
    const file =
      set === "dev"
        ? join(root, "..", "shared", "eval", "dev.tsv")
        : join(root, "test", "eval", `${set}.tsv`);
    for (const row of readEvalFile(file)) {
      if (row.expectation !== "@help" && row.expectation !== "@stop")
        items.push({ set, utterance: row.utterance, expectation: row.expectation });
    }
  }
}

type Result = {
  voice: string;
  snr: number;
  set: string;
  utterance: string;
  heard: string;
  intent: string;
  correct: boolean;
};
interface Measured {
  results: Result[];
  latency: { recognizeAfterEnd: number[]; resolveAndSkill: number[]; firstAudio: number[]; rtf: number[] };
  peakRss: number;
}

async function measure(part: number, parts: number): Promise<Measured> {
  const runtime = createRuntime();
  const recognizer = createRecognizer(interactionModelFor("en-US"));
  const lower = (text: string) => text.toLowerCase();
  const results: Result[] = [];
  const latency = {
    recognizeAfterEnd: [] as number[],
    resolveAndSkill: [] as number[],
    firstAudio: [] as number[],
    rtf: [] as number[],
  };
  let peakRss = 0;

  // One conversation per voice and noise level, as one speaker in one room: PocketSphinx normalises each
  // utterance's features with a mean carried over from the utterances before it.
  const spoken = new Map<string, Int16Array>();
  for (const snr of SNRS) {
    for (const [voiceIndex, voice] of voices.entries()) {
      for (const [index, item] of items.entries()) {
        if ((voiceIndex * items.length + index) % parts !== part) continue;
        const key = `${voice}|${item.utterance}`;
        const clean = spoken.get(key) ?? synthesize(item.utterance, voice);
        spoken.set(key, clean);
        const audio = withNoise(clean, "pink", snr, index + 1);
        const stream = recognizer.start();
        const started = performance.now();
        for (let offset = 0; offset < audio.length; offset += 1600)
          stream.accept(audio.subarray(offset, offset + 1600));
        const fedAll = performance.now();
        const transcript = stream.finish();
        const recognized = performance.now();
        const turn = await answerTranscript(runtime.conversation(), transcript);
        const answered = performance.now();
        const speech = lower(turn.speech);
        const correct =
          item.expectation === "@fallback"
            ? !faq.some((entry) => speech.includes(lower(entry.answer)))
            : speech.includes(lower(item.expectation));
        results.push({
          voice,
          snr,
          set: item.set,
          utterance: item.utterance,
          heard: transcript.text,
          intent: intentOf(turn.resolution),
          correct,
        });
        if (snr === Number.POSITIVE_INFINITY) {
          latency.recognizeAfterEnd.push(recognized - fedAll);
          latency.resolveAndSkill.push(answered - recognized);
          latency.rtf.push((recognized - started) / ((1000 * audio.length) / SAMPLE_RATE));
          if (latency.firstAudio.length < 10 && item.set === "seed") {
            // Time to the first answer audio: synthesizing the answer is the part a listener waits for.
            const t0 = performance.now();
            // The speaker's first sentence, as SaySpeaker sends it to festival.
            const first = sentencesOf(sanitizeForSpeech(turn.speech))[0] ?? "";
            synthesizeWav(first, "festival:cmu_us_slt_arctic_hts");
            latency.firstAudio.push(recognized - fedAll + (answered - recognized) + (performance.now() - t0));
          }
        }
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
    }
    console.log(`  worker ${part + 1}/${parts}: ${Number.isFinite(snr) ? `${snr} dB` : "clean"} done`);
  }
  recognizer.close();
  return { results, latency, peakRss };
}

/** Runs one worker per core on a share of the utterances, and gathers what they measured. */
async function measureInParallel(): Promise<Measured> {
  const parts = Math.max(1, Math.min(availableParallelism(), 4));
  const folder = mkdtempSync(join(tmpdir(), "her-faq-bench-"));
  try {
    const runs = Array.from({ length: parts }, (_, part) => {
      const raw = join(folder, `${part}.json`);
      const args = [...process.execArgv, process.argv[1] as string, ...process.argv.slice(2)];
      const child = spawn(process.execPath, [...args, "--shard", `${part}/${parts}`, "--raw", raw], {
        stdio: ["ignore", "inherit", "inherit"],
      });
      return new Promise<Measured>((resolve, reject) =>
        child.on("close", (code) =>
          code === 0
            ? resolve(
                JSON.parse(readFileSync(raw, "utf8"), (key, value) =>
                  key === "snr" && value === null ? Number.POSITIVE_INFINITY : value,
                ) as Measured,
              )
            : reject(new Error(`benchmark worker ${part} exited with ${code}`)),
        ),
      );
    });
    const measured = await Promise.all(runs);
    return {
      results: measured.flatMap((m) => m.results),
      latency: {
        recognizeAfterEnd: measured.flatMap((m) => m.latency.recognizeAfterEnd),
        resolveAndSkill: measured.flatMap((m) => m.latency.resolveAndSkill),
        firstAudio: measured.flatMap((m) => m.latency.firstAudio),
        rtf: measured.flatMap((m) => m.latency.rtf),
      },
      peakRss: Math.max(...measured.map((m) => m.peakRss)),
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
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

interface StartupFigures {
  readonly runs: number;
  readonly bareNode: { wallMs: number; peakRssMiB: number };
  readonly coldCache: { wallMs: number; peakRssMiB: number };
  readonly warmCache: { wallMs: number; peakRssMiB: number; maxPeakRssMiB: number };
}

/** Whole-process start-up of one-file listening, cold cache once, then warm, next to a bare node. */
function measureStartup(runs: number): StartupFigures {
  const cli = join(root, "bin", "her-faq.js");
  if (!existsSync(join(root, "dist", "cli.js")))
    throw new Error("the CLI is not built: run npm run build first");
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
    const medianOf = (values: ProcessRun[], key: keyof ProcessRun) => median(values.map((v) => v[key]));
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

function startupTable(figures: StartupFigures): string[] {
  const row = (name: string, wallMs: number, rssMiB: number) =>
    `| ${name} | ${wallMs.toFixed(0)} ms | ${rssMiB.toFixed(0)} MiB |`;
  return [
    `| start-up, whole process (${availableParallelism()} cores; medians of ${figures.runs} runs) | wall | peak RSS |`,
    "|---|---|---|",
    row("`node -e 0`", figures.bareNode.wallMs, figures.bareNode.peakRssMiB),
    row(
      "`listen --json --wav`, one file, empty cache (one run)",
      figures.coldCache.wallMs,
      figures.coldCache.peakRssMiB,
    ),
    row(
      "`listen --json --wav`, one file, cache filled",
      figures.warmCache.wallMs,
      figures.warmCache.peakRssMiB,
    ),
  ];
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

if (shard) {
  writeFileSync(option("raw")?.[0] as string, JSON.stringify(await measure(shard[0], shard[1])));
  process.exit(0);
}
const runs = Number(option("runs")?.[0] ?? 5);
console.log(`start-up: ${runs} runs of one-file listening, and of a bare node...`);
const startup = measureStartup(runs);
const startupLines = startupTable(startup);
console.log(`\n${startupLines.join("\n")}\n`);
if (process.argv.includes("--startup")) process.exit(0);

console.log(`${items.length} utterances x ${voices.length} voices x ${SNRS.length} noise levels`);
const { results, latency, peakRss } = await measureInParallel();

const label = (snr: number) => (Number.isFinite(snr) ? `${snr} dB` : "clean");
const rate = (subset: typeof results) =>
  subset.length === 0 ? Number.NaN : subset.filter((r) => r.correct).length / subset.length;
const pct = (x: number) => (Number.isNaN(x) ? "-" : `${(100 * x).toFixed(1)}%`);
const p95 = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)] ?? Number.NaN;

const table: string[] = [
  `| set | kind | voice | ${SNRS.map(label).join(" | ")} |`,
  `|---|---|---|${SNRS.map(() => "---").join("|")}|`,
];
const summary: Record<string, Record<string, number>> = {};
for (const set of setNames) {
  for (const kind of ["answer", "reject"] as const) {
    for (const voice of [...voices, "all"]) {
      const subset = results.filter(
        (r) =>
          r.set === set &&
          (voice === "all" || r.voice === voice) &&
          (kind === "reject") ===
            (items.find((i) => i.utterance === r.utterance && i.set === set)?.expectation === "@fallback"),
      );
      if (subset.length === 0) continue;
      const row = SNRS.map((snr) => rate(subset.filter((r) => r.snr === snr)));
      table.push(
        `| ${set} | ${kind === "answer" ? "FAQ answered" : "out-of-domain rejected"} | ${voice} | ${row.map(pct).join(" | ")} |`,
      );
      if (voice === "all")
        summary[`${set} ${kind}`] = Object.fromEntries(SNRS.map((snr, i) => [label(snr), row[i] as number]));
    }
  }
}
const figures = {
  recognitionAfterEndOfAudioMs: {
    median: median(latency.recognizeAfterEnd),
    p95: p95(latency.recognizeAfterEnd),
  },
  resolveAndSkillMs: { median: median(latency.resolveAndSkill), p95: p95(latency.resolveAndSkill) },
  timeToFirstAnswerAudioMs: { median: median(latency.firstAudio) },
  realTimeFactor: { median: median(latency.rtf), p95: p95(latency.rtf) },
  peakRssMiB: Math.round(peakRss / 2 ** 20),
  startup,
};

const svg = plot(summary);
mkdirSync(join(root, "docs", "bench"), { recursive: true });
writeFileSync(
  join(root, "docs", "bench", "voice.json"),
  `${JSON.stringify({ voices, sets: setNames, summary, figures, results }, null, 1)}\n`,
);
writeFileSync(join(root, "docs", "bench", "voice-accuracy.svg"), svg);
const markdown = [
  "# Voice benchmark (PocketSphinx, synthetic speech)",
  "",
  `Voices: ${voices.join(", ")}. Noise: pink, mixed at the given SNR. Utterances: ${items.length} per voice.`,
  "",
  ...table,
  "",
  "| latency (clean audio, 2 cores) | median | p95 |",
  "|---|---|---|",
  `| final transcript after the end of audio | ${figures.recognitionAfterEndOfAudioMs.median.toFixed(0)} ms | ${figures.recognitionAfterEndOfAudioMs.p95.toFixed(0)} ms |`,
  `| resolve + skill | ${figures.resolveAndSkillMs.median.toFixed(1)} ms | ${figures.resolveAndSkillMs.p95.toFixed(1)} ms |`,
  `| first answer audio synthesized (first sentence, festival) after end of audio | ${figures.timeToFirstAnswerAudioMs.median.toFixed(0)} ms | |`,
  `| recognizer real-time factor | ${figures.realTimeFactor.median.toFixed(3)} | ${figures.realTimeFactor.p95.toFixed(3)} |`,
  `| peak memory (RSS) | ${figures.peakRssMiB} MiB | |`,
  "",
  ...startupLines,
  "",
  "![accuracy against SNR](voice-accuracy.svg)",
  "",
].join("\n");
writeFileSync(join(root, "docs", "bench", "voice.md"), markdown);
console.log(`\n${markdown}\nwrote docs/bench/voice.md, docs/bench/voice.json, docs/bench/voice-accuracy.svg`);

/** A small line chart of accuracy against noise, one line per set and kind. */
function plot(series: Record<string, Record<string, number>>): string {
  const width = 560;
  const height = 320;
  const x = (i: number) => 70 + (i * (width - 110)) / (SNRS.length - 1);
  const y = (v: number) => 30 + (1 - v) * (height - 80);
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
  const lines = Object.entries(series).map(([name, values], n) => {
    const points = SNRS.map((snr, i) => `${x(i).toFixed(1)},${y(values[label(snr)] ?? 0).toFixed(1)}`).join(
      " ",
    );
    const color = colors[n % colors.length];
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/><text x="${width - 30}" y="${40 + n * 16}" font-size="11" text-anchor="end" fill="${color}">${name}</text>`;
  });
  const axes = SNRS.map(
    (snr, i) =>
      `<text x="${x(i)}" y="${height - 30}" font-size="11" text-anchor="middle">${label(snr)}</text>`,
  ).join("");
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (v) =>
        `<text x="60" y="${y(v) + 4}" font-size="11" text-anchor="end">${v * 100}%</text><line x1="65" x2="${width - 40}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${ticks}${axes}${lines.join("")}<text x="${width / 2}" y="${height - 8}" font-size="12" text-anchor="middle">pink noise, signal-to-noise ratio</text><text x="${width / 2}" y="18" font-size="13" text-anchor="middle">Spoken accuracy against noise</text></svg>\n`;
}
