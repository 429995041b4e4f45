/**
 * Ranking free-form questions against the FAQ: the one ranker configuration shared by the skill's
 * SearchQuery handler and the local resolver, with the confidence threshold `npm run calibrate` chose.
 */
import {
  IntentRanker,
  type LabelledExample,
  type RankedLabel,
  type RankerTuning,
} from "../text/intent-ranker.js";
import { faq, subjectWords } from "./data.js";
import type { FaqEntry } from "./types.js";

/**
 * Below this confidence a question is not answered from the FAQ. Chosen by `npm run calibrate` to balance
 * paraphrases answered against out-of-domain questions rejected; see docs/resolver.md.
 */
export const FAQ_CONFIDENCE_THRESHOLD = 0.35;

/**
 * A ranker over labelled examples with the FAQ's subject words as anchors and each FAQ's answer as the
 * context of its label (`labelOf` maps an FAQ entry to the label its examples carry).
 */
export function createRanker(
  examples: readonly LabelledExample[],
  labelOf: (entry: FaqEntry) => string,
  tuning?: RankerTuning,
): IntentRanker {
  const contexts = new Map(faq.map((entry) => [labelOf(entry), entry.answer]));
  return new IntentRanker(examples, { anchors: subjectWords, contexts, tuning });
}

let faqRanker: IntentRanker | undefined;

export interface FaqMatch {
  readonly entry: FaqEntry;
  readonly confidence: number;
}

/** The FAQ entry that answers a free-form question, if one does with enough confidence. */
export function matchFaq(question: string): FaqMatch | undefined {
  faqRanker ??= createRanker(
    faq.flatMap((entry) => [entry.question, ...entry.samples].map((text) => ({ label: entry.id, text }))),
    (entry) => entry.id,
  );
  const best: RankedLabel | undefined = faqRanker.best(question);
  if (!best || best.confidence < FAQ_CONFIDENCE_THRESHOLD) return undefined;
  const entry = faq.find((candidate) => candidate.id === best.label);
  return entry && { entry, confidence: best.confidence };
}
