/**
 * Calibrates the decision policy (local-runner/decision.ts) and PocketSphinx's confidences
 * (recognizers/rejection.ts) on noisy speech: the tuning sets (dev.tsv and holdouts A, B and C, every
 * n-th row) spoken by the tuning voices, clean and in pink, white and babble noise at 10 dB SNR. Each
 * utterance is recognized once; what acting on each of its readings would do is recorded, and then the
 * calibration and threshold are searched offline. Holdout D and the benchmark's other voices are never
 * read here.
 *
 *   npm run calibrate:voice [-- --every 3] [--records FILE] [--front-end off|denoise|gain|on]
 *                                                             decode (two workers), then search
 *   npm run calibrate:voice -- --from FILE                      search records decoded before
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { interactionModelFor } from "../interaction-model/index.js";
import { type NoiseKind, withNoise } from "../local-runner/audio/noise.js";
import { SAMPLE_RATE } from "../local-runner/audio/wav.js";
import { ANSWER_THRESHOLD, meaningOf, strongest, understanding } from "../local-runner/decision.js";
import { readEvalFile } from "../local-runner/eval.js";
import {
  CALIBRATED_SOURCES,
  CALIBRATION,
  type CalibratedSource,
  type Calibrations,
  confidenceOf,
  fitOf,
} from "../local-runner/recognizers/rejection.js";
import { createRecognizer } from "../local-runner/recognizers/select.js";
import { fallback } from "../local-runner/resolver.js";
import { createRuntime } from "../local-runner/runtime.js";
import { DEFAULT_TEST_VOICES, type SynthVoice, synthesize } from "../local-runner/speech-out/synthesize.js";
import { faq } from "../skill/faq/index.js";

const root = join(import.meta.dirname, "..");
const option = (name: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const CONDITIONS: ReadonlyArray<{ noise: NoiseKind; snr: number }> = [
  { noise: "pink", snr: Number.POSITIVE_INFINITY },
  { noise: "pink", snr: 10 },
  { noise: "white", snr: 10 },
  { noise: "babble", snr: 10 },
];

interface Row {
  readonly utterance: string;
  readonly expectation: string;
}

/** What acting on one reading would do. */
interface Outcome {
  readonly source: CalibratedSource;
  readonly text: string;
  /** The fit behind the confidence (the logistic undone). */
  readonly fit: number;
  readonly understanding: number;
  /** What the reading means to the skill (decision.ts's meaningOf). */
  readonly meaning: string;
  readonly correct: boolean;
}

interface UtteranceRecord {
  readonly voice: string;
  readonly condition: string;
  readonly utterance: string;
  readonly inDomain: boolean;
  readonly outcomes: readonly Outcome[];
  /** Whether rejecting (Fallback) is right. */
  readonly rejectCorrect: boolean;
  readonly seconds: number;
  readonly decodeMs: number;
}

function tuningRows(every: number): Row[] {
  const files = [
    join(root, "..", "shared", "eval", "dev.tsv"),
    ...["holdout", "holdout-b", "holdout-c"].map((set) => join(root, "test", "eval", `${set}.tsv`)),
  ];
  return files
    .flatMap((file) => readEvalFile(file))
    .filter((row) => row.expectation !== "@help" && row.expectation !== "@stop")
    .filter((_, index) => index % every === 0);
}

const lower = (text: string) => text.toLowerCase();
const answersFaq = (speech: string) => faq.some((entry) => lower(speech).includes(lower(entry.answer)));

async function decode(part: number, parts: number, every: number): Promise<UtteranceRecord[]> {
  const runtime = createRuntime();
  const frontEnd = option("front-end") ?? "on";
  const recognizer = createRecognizer(interactionModelFor("en-US"), {
    frontEnd: {
      noiseSuppression: frontEnd === "on" || frontEnd === "denoise",
      gainNormalisation: frontEnd === "on" || frontEnd === "gain",
    },
  });
  const rows = tuningRows(every);
  const records: UtteranceRecord[] = [];
  const correctFor = (row: Row, speech: string) =>
    row.expectation === "@fallback" ? !answersFaq(speech) : lower(speech).includes(lower(row.expectation));
  let index = 0;
  for (const voice of DEFAULT_TEST_VOICES as SynthVoice[]) {
    for (const row of rows) {
      if (index++ % parts !== part) continue;
      const clean = synthesize(row.utterance, voice);
      for (const [conditionIndex, { noise, snr }] of CONDITIONS.entries()) {
        const audio = withNoise(clean, noise, snr, index * 7 + conditionIndex);
        const started = performance.now();
        const stream = recognizer.start();
        for (let offset = 0; offset < audio.length; offset += 1600)
          stream.accept(audio.subarray(offset, offset + 1600));
        const transcript = await stream.finish();
        const decodeMs = performance.now() - started;
        const outcomes: Outcome[] = [];
        for (const reading of transcript.readings) {
          const source = reading.source;
          if (reading.text === "" || (source !== "open" && source !== "domain")) continue;
          const conversation = runtime.conversation();
          const resolution = conversation.resolve(reading.text);
          const turn = await conversation.send(resolution, reading.text);
          outcomes.push({
            source,
            text: reading.text,
            fit: fitOf(source, reading.confidence),
            understanding: understanding(resolution),
            meaning: meaningOf(resolution),
            correct: correctFor(row, turn.speech),
          });
        }
        const rejected = await runtime.conversation().send(fallback(0), transcript.text);
        records.push({
          voice,
          condition: Number.isFinite(snr) ? `${noise} ${snr} dB` : "clean",
          utterance: row.utterance,
          inDomain: row.expectation !== "@fallback",
          outcomes,
          rejectCorrect: correctFor(row, rejected.speech),
          seconds: audio.length / SAMPLE_RATE,
          decodeMs,
        });
      }
    }
  }
  recognizer.close();
  return records;
}

type Calibration = Calibrations;

/**
 * Whether readings that mean the same thing support each other, as the policy has it (decision.ts), or
 * each stands alone: searched both ways, to show what the support adds.
 */
let agree = true;

/** Answered-correctly and rejected rates per condition under a calibration and threshold. */
function score(records: readonly UtteranceRecord[], calibration: Calibration, threshold: number) {
  const byCondition = new Map<
    string,
    { answered: number; inDomain: number; rejected: number; ood: number }
  >();
  for (const record of records) {
    const best = strongest(
      record.outcomes.map((outcome) => ({
        item: outcome,
        meaning: outcome.meaning,
        score: confidenceOf(outcome.source, outcome.fit, calibration) * outcome.understanding,
      })),
      agree,
    );
    const correct = best && best.score >= threshold ? best.item.correct : record.rejectCorrect;
    const tally = byCondition.get(record.condition) ?? { answered: 0, inDomain: 0, rejected: 0, ood: 0 };
    if (record.inDomain) {
      tally.inDomain++;
      if (correct) tally.answered++;
    } else {
      tally.ood++;
      if (correct) tally.rejected++;
    }
    byCondition.set(record.condition, tally);
  }
  const rates = [...byCondition].map(([condition, t]) => ({
    condition,
    answered: t.answered / Math.max(1, t.inDomain),
    rejected: t.rejected / Math.max(1, t.ood),
  }));
  // Every condition alike; a miss on either side counts the same.
  const objective = rates.reduce((sum, r) => sum + r.answered + r.rejected, 0) / Math.max(1, rates.length);
  return { rates, objective };
}

/** The calibration with the best objective: one source at a time, twice round (they interact only through which reading wins). */
function fitted(records: readonly UtteranceRecord[], start: Calibration): Calibration {
  let best = { calibration: start, objective: -1 };
  for (let round = 0; round < 2; round++) {
    for (const source of CALIBRATED_SOURCES) {
      for (let center = -30; center <= 30; center += 1) {
        for (const width of [1, 2, 3, 5, 8]) {
          const calibration = { ...best.calibration, [source]: { center, width } };
          const { objective } = score(records, calibration, ANSWER_THRESHOLD);
          if (objective > best.objective) best = { calibration, objective };
        }
      }
    }
  }
  return best.calibration;
}

function search(records: readonly UtteranceRecord[]): void {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const show = (label: string, calibration: Calibration, threshold: number) => {
    const { rates, objective } = score(records, calibration, threshold);
    console.log(`${label}: ${JSON.stringify(calibration)} threshold ${threshold}`);
    for (const r of rates)
      console.log(`  ${r.condition.padEnd(14)} answered ${pct(r.answered)}  rejected ${pct(r.rejected)}`);
    console.log(`  objective ${objective.toFixed(4)}`);
  };
  show("current", CALIBRATION, ANSWER_THRESHOLD);
  show("best", fitted(records, CALIBRATION), ANSWER_THRESHOLD);
  agree = false;
  show(
    "best, each reading alone (no support from readings that agree)",
    fitted(records, CALIBRATION),
    ANSWER_THRESHOLD,
  );
  const seconds = records.reduce((sum, r) => sum + r.seconds, 0);
  const decode = records.reduce((sum, r) => sum + r.decodeMs, 0) / 1000;
  console.log(
    `${records.length} utterances, ${seconds.toFixed(0)} s of audio, real-time factor ${(decode / seconds).toFixed(3)}`,
  );
}

async function main(): Promise<void> {
  const from = option("from");
  if (from) return search(JSON.parse(readFileSync(from, "utf8")) as UtteranceRecord[]);
  const every = Number(option("every") ?? 3);
  const shard = option("shard");
  if (shard) {
    const [part, parts] = shard.split("/").map(Number) as [number, number];
    writeFileSync(option("raw") as string, JSON.stringify(await decode(part, parts, every)));
    return;
  }
  const parts = Math.max(1, Math.min(availableParallelism(), 4));
  const folder = mkdtempSync(join(tmpdir(), "her-faq-calibrate-"));
  try {
    const shards = await Promise.all(
      Array.from({ length: parts }, (_, part) => {
        const raw = join(folder, `${part}.json`);
        const args = [...process.execArgv, process.argv[1] as string, ...process.argv.slice(2)];
        const child = spawn(process.execPath, [...args, "--shard", `${part}/${parts}`, "--raw", raw], {
          stdio: "inherit",
        });
        return new Promise<UtteranceRecord[]>((resolve, reject) =>
          child.on("close", (code) =>
            code === 0
              ? resolve(JSON.parse(readFileSync(raw, "utf8")) as UtteranceRecord[])
              : reject(new Error(`calibration worker ${part} exited with ${code}`)),
          ),
        );
      }),
    );
    const records = shards.flat();
    const out = option("records");
    if (out) writeFileSync(out, JSON.stringify(records));
    search(records);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
