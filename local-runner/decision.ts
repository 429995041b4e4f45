/**
 * The one decision policy for every engine: which of a recognizer's readings to act on, and whether to
 * answer at all. Recognizers only rank and score what they heard (recognizers/types.ts); this decides.
 *
 * Each reading that means something to the skill is scored as the engine's confidence in the words times
 * the resolver's confidence in what they mean (1 for one of the skill's own sentences, the ranker's
 * confidence for a paraphrase). The best-scoring reading is acted on when its score reaches the threshold;
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

/** The reading to act on, and whether to (see the file's comment). */
export function decide(
  transcript: Transcript,
  resolve: (text: string) => Resolution,
  threshold = ANSWER_THRESHOLD,
): Decision {
  let best: { reading: Reading; resolution: Resolution; score: number } | undefined;
  const meanings = new Map<string, Resolution>();
  for (const reading of transcript.readings) {
    if (reading.text === "") continue;
    let resolution = meanings.get(reading.text);
    if (!resolution) {
      resolution = resolve(reading.text);
      meanings.set(reading.text, resolution);
    }
    const score = reading.confidence * understanding(resolution);
    // Ties go to the higher-ranked reading.
    if (score > 0 && (!best || score > best.score)) best = { reading, resolution, score };
  }
  if (best && best.score >= threshold)
    return { text: best.reading.text, reading: best.reading, resolution: best.resolution, score: best.score };
  return { text: transcript.text, resolution: fallback(best?.score ?? 0), score: best?.score ?? 0 };
}
