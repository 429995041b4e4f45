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
function meaningOf(resolution: Resolution): string {
  if (resolution.kind !== "intent") return resolution.kind;
  return `${resolution.intent} ${JSON.stringify(resolution.slots)}`;
}

/** The reading to act on, and whether to (see the file's comment). */
export function decide(
  transcript: Transcript,
  resolve: (text: string) => Resolution,
  threshold = ANSWER_THRESHOLD,
): Decision {
  const resolved = new Map<string, Resolution>();
  /** Per meaning: the chance that every reading asking for it is wrong, and its best reading. */
  const meanings = new Map<
    string,
    { doubt: number; reading: Reading; resolution: Resolution; single: number }
  >();
  let best: { reading: Reading; resolution: Resolution; score: number } | undefined;
  for (const reading of transcript.readings) {
    if (reading.text === "") continue;
    let resolution = resolved.get(reading.text);
    if (!resolution) {
      resolution = resolve(reading.text);
      resolved.set(reading.text, resolution);
    }
    const single = reading.confidence * understanding(resolution);
    if (single <= 0) continue;
    // Readings from different searches that ask for the same thing support each other (noisy-or).
    const key = meaningOf(resolution);
    const known = meanings.get(key);
    const meaning =
      known && known.single >= single
        ? { ...known, doubt: known.doubt * (1 - single) }
        : { doubt: (known?.doubt ?? 1) * (1 - single), reading, resolution, single };
    meanings.set(key, meaning);
    const score = 1 - meaning.doubt;
    // Ties go to the higher-ranked reading.
    if (!best || score > best.score)
      best = { reading: meaning.reading, resolution: meaning.resolution, score };
  }
  if (best && best.score >= threshold)
    return { text: best.reading.text, reading: best.reading, resolution: best.resolution, score: best.score };
  return { text: transcript.text, resolution: fallback(best?.score ?? 0), score: best?.score ?? 0 };
}
