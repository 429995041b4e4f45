/**
 * The one decision policy for every engine: which of a recognizer's readings to act on, and whether to
 * answer at all. Recognizers only rank and score what they heard (recognizers/types.ts); this decides.
 *
 * Each reading that means something to the skill is scored as the engine's confidence in the words times
 * the resolver's confidence in what they mean (1 for one of the skill's own sentences, the ranker's
 * confidence for a paraphrase). Readings that ask for the same thing support each other: a meaning's score
 * is the chance that not all of them are wrong (noisy-or). The best meaning is acted on, through its
 * best reading, when its score reaches the threshold;
 * otherwise the skill hears Fallback and says what it can talk about, rather than answer a question nobody
 * asked. The threshold stays at one half; the engines' confidences are calibrated to it on noisy speech
 * (npm run calibrate:voice), and the voice benchmark draws false accepts against false rejects over it.
 */

import type { Reading, Transcript } from "./recognizers/types.js";
import { FALLBACK_INTENT, fallback, type Resolution } from "./resolver.js";

/** Least score to act on a reading. */
export const ANSWER_THRESHOLD = 0.5;

export interface Decision {
  /** The words acted on: the chosen reading's, or the best reading's when nothing was chosen. */
  readonly text: string;
  /** The reading acted on; none when the skill hears Fallback. */
  readonly reading?: Reading;
  readonly resolution: Resolution;
  /** The best reading's score, answered or not: what the threshold is compared with. */
  readonly score: number;
}

/** How sure the resolver is of what words mean: its own sentences and phrasings fully, paraphrases less. */
export function understanding(resolution: Resolution): number {
  if (resolution.kind !== "intent") return 1;
  if (resolution.intent === FALLBACK_INTENT) return 0;
  return resolution.match === "ranked" ? resolution.confidence : 1;
}

/** What a resolution means, as a key: two readings with the same key ask for the same thing. */
export function meaningOf(resolution: Resolution): string {
  if (resolution.kind !== "intent") return resolution.kind;
  return `${resolution.intent} ${JSON.stringify(resolution.slots)}`;
}

/** One reading as the policy weighs it. */
export interface Candidate<T> {
  readonly item: T;
  /** What it asks for: candidates with the same meaning support each other. */
  readonly meaning: string;
  /** Engine confidence times understanding. */
  readonly score: number;
}

/**
 * The candidate to act on and its meaning's score: readings that ask for the same thing combine as a
 * noisy-or (the chance that not all of them are wrong), acted on through the meaning's best candidate. Ties
 * go to the earlier, higher-ranked candidate. With `agree` false each candidate stands alone.
 */
export function strongest<T>(
  candidates: Iterable<Candidate<T>>,
  agree = true,
): { readonly item: T; readonly score: number } | undefined {
  const meanings = new Map<string, { doubt: number; best: Candidate<T> }>();
  let chosen: { item: T; score: number } | undefined;
  for (const candidate of candidates) {
    if (candidate.score <= 0) continue;
    const known = agree ? meanings.get(candidate.meaning) : undefined;
    const best = known && known.best.score >= candidate.score ? known.best : candidate;
    const doubt = (known?.doubt ?? 1) * (1 - candidate.score);
    meanings.set(candidate.meaning, { doubt, best });
    if (!chosen || 1 - doubt > chosen.score) chosen = { item: best.item, score: 1 - doubt };
  }
  return chosen;
}

/** The reading to act on, and whether to (see the file's comment). */
export function decide(
  transcript: Transcript,
  resolve: (text: string) => Resolution,
  threshold = ANSWER_THRESHOLD,
): Decision {
  const resolved = new Map<string, Resolution>();
  const candidates = transcript.readings
    .filter((reading) => reading.text !== "")
    .map((reading) => {
      let resolution = resolved.get(reading.text);
      if (!resolution) {
        resolution = resolve(reading.text);
        resolved.set(reading.text, resolution);
      }
      return {
        item: { reading, resolution },
        meaning: meaningOf(resolution),
        score: reading.confidence * understanding(resolution),
      };
    });
  const best = strongest(candidates);
  if (best && best.score >= threshold) {
    const { reading, resolution } = best.item;
    return { text: reading.text, reading, resolution, score: best.score };
  }
  return { text: transcript.text, resolution: fallback(best?.score ?? 0), score: best?.score ?? 0 };
}
