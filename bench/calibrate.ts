/**
 * Calibrates the FAQ ranker's confidence: measures paraphrase generalisation (leave-one-out over the
 * samples, plus the calibration utterances of test/eval/holdout.tsv) against out-of-domain rejection
 * (bench/ood-calibration.txt and the holdout's @fallback lines) over a grid of tunings and thresholds, and
 * prints the best. test/eval/holdout-b.tsv is never read here: it is the untouched final measure.
 *
 *   npm run calibrate            the current tuning, with its misses
 *   npm run calibrate -- --grid  search the grid
 */
import { readFileSync } from "node:fs";
import { readEvalFile } from "../local-runner/eval.js";
import { faq } from "../skill/faq/data.js";
import { createRanker, FAQ_CONFIDENCE_THRESHOLD } from "../skill/faq/ranking.js";
import { DEFAULT_TUNING, type LabelledExample, type RankerTuning } from "../skill/text/intent-ranker.js";

const examples: LabelledExample[] = faq.flatMap((entry) =>
  entry.samples.map((text) => ({ label: entry.id, text })),
);
const idForPhrase = (phrase: string) =>
  faq.find((entry) => entry.answer.toLowerCase().includes(phrase.toLowerCase()))?.id;
const holdout = readEvalFile("test/eval/holdout.tsv");
const developmentFallbacks = readEvalFile("../shared/eval/dev.tsv").filter(
  (row) => row.expectation === "@fallback",
);
const inDomain = holdout.flatMap((row) => {
  const id = idForPhrase(row.expectation);
  return id ? [{ utterance: row.utterance, label: id }] : [];
});
const outOfDomain = [
  ...readFileSync("bench/ood-calibration.txt", "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#")),
  ...[...holdout, ...developmentFallbacks]
    .filter((row) => row.expectation === "@fallback")
    .map((row) => row.utterance),
];

interface Outcome {
  /** Confidence of a correct top answer, or -1 for a wrong one. */
  readonly inDomain: number[];
  readonly outOfDomain: number[];
}

function measure(tuning: RankerTuning, log?: (line: string) => void): Outcome {
  const scores: number[] = [];
  for (let i = 0; i < examples.length; i++) {
    const held = examples[i] as LabelledExample;
    const ranker = createRanker(
      examples.filter((_, j) => j !== i),
      (entry) => entry.id,
      tuning,
    );
    const best = ranker.best(held.text);
    scores.push(best?.label === held.label ? best.confidence : -1);
    if (best?.label !== held.label)
      log?.(`loo miss  ${held.label}: "${held.text}" -> ${best?.label ?? "nothing"}`);
  }
  const ranker = createRanker(examples, (entry) => entry.id, tuning);
  for (const { utterance, label } of inDomain) {
    const best = ranker.best(utterance);
    scores.push(best?.label === label ? best.confidence : -1);
    if (best?.label !== label) log?.(`miss      ${label}: "${utterance}" -> ${best?.label ?? "nothing"}`);
  }
  const ood = outOfDomain.map((utterance) => {
    const best = ranker.best(utterance);
    if (best && best.confidence >= FAQ_CONFIDENCE_THRESHOLD) {
      log?.(`accepted  "${utterance}" -> ${best.label} ${best.confidence.toFixed(2)} ("${best.example}")`);
    }
    return best?.confidence ?? 0;
  });
  return { inDomain: scores, outOfDomain: ood };
}

function rates(outcome: Outcome, threshold: number) {
  const answered = outcome.inDomain.filter((c) => c >= threshold).length / outcome.inDomain.length;
  const rejected = outcome.outOfDomain.filter((c) => c < threshold).length / outcome.outOfDomain.length;
  return { answered, rejected };
}

/** The threshold that maximises answered + rejected, with rejection weighted as much as answering. */
function bestThreshold(outcome: Outcome) {
  let best = { threshold: 0, answered: 0, rejected: 0 };
  for (let threshold = 0.1; threshold <= 0.8; threshold += 0.025) {
    const r = rates(outcome, threshold);
    if (r.answered + r.rejected > best.answered + best.rejected) best = { threshold, ...r };
  }
  return best;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(
  `${examples.length} samples (leave-one-out) + ${inDomain.length} calibration paraphrases; ${outOfDomain.length} out-of-domain`,
);
if (process.argv.includes("--grid")) {
  for (const contextCredit of [0, 0.4, 0.6, 0.8])
    for (const explainedExponent of [1.5, 2])
      for (const unanchoredFactor of [0.8]) {
        const tuning = { ...DEFAULT_TUNING, explainedExponent, contextCredit, unanchoredFactor };
        const best = bestThreshold(measure(tuning));
        console.log(
          JSON.stringify({ contextCredit, explainedExponent, unanchoredFactor }),
          `threshold ${best.threshold.toFixed(3)}: answered ${pct(best.answered)}, rejected ${pct(best.rejected)}`,
        );
      }
} else {
  const outcome = measure(DEFAULT_TUNING, (line) => console.log(line));
  const current = rates(outcome, FAQ_CONFIDENCE_THRESHOLD);
  const best = bestThreshold(outcome);
  console.log(
    `current threshold ${FAQ_CONFIDENCE_THRESHOLD}: answered correctly ${pct(current.answered)}, out-of-domain rejected ${pct(current.rejected)}`,
  );
  console.log(
    `best threshold ${best.threshold.toFixed(3)}: answered correctly ${pct(best.answered)}, out-of-domain rejected ${pct(best.rejected)}`,
  );
}
