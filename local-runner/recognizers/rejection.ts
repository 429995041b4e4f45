/**
 * When to trust the constrained decoders. A grammar or domain-model decoder always turns speech into the
 * skill's words, so the open language model's decoding of the same audio is the yardstick: the fit is the
 * constrained path's score per 10 ms frame relative to the open one's. Speech the grammar covers fits it
 * about as well as open English does; speech outside it fits much worse.
 *
 * A trusted grammar sentence is PocketSphinx's first reading of the audio; the domain model's words come
 * after the mixed decoder's, consulted only when that open reading means nothing to the skill, which is also
 * what most out-of-domain speech looks like (pocketsphinx.ts). So the thresholds are strict: only a reading
 * that fits well may answer.
 */
import type { Transcript } from "./types.js";

/**
 * Least grammar-over-open score per frame (of the whole recording, PocketSphinx log units) to trust the
 * grammar's sentence. In-domain questions fit 12 to 30 with the festival voices (5 to 30 with espeak-ng);
 * out-of-domain questions forced onto a sentence, -19 to 17. Chosen on dev.tsv and holdouts A and B spoken by
 * three voices: 10 would answer 1.5 points more questions at 10 dB SNR (none more clean) and let 6 to 9
 * points more out-of-domain speech through.
 */
export const MIN_GRAMMAR_FIT = 16;

/**
 * Least domain-over-open score per frame of speech to take the domain model's words (a paraphrase), which
 * the resolver must then match with APPROXIMATE_MIN_CONFIDENCE (voice.ts). Chosen with MIN_GRAMMAR_FIT: -5
 * answers no more questions and lets 3 to 5 points more out-of-domain speech through.
 */
export const MIN_DOMAIN_FIT = 0;

/** The grammar's sentence as a reading of the audio, when it fits well enough to be trusted. */
export function trustedGrammarReading(grammarText: string, fit: number): Transcript | undefined {
  return grammarText !== "" && fit >= MIN_GRAMMAR_FIT ? { text: grammarText, confidence: fit } : undefined;
}

/**
 * The domain model's words as a reading of the audio, when they fit well enough; marked approximate, so
 * the resolver must be surer of them.
 */
export function trustedDomainReading(domainText: string, fit: number): Transcript | undefined {
  return domainText !== "" && fit >= MIN_DOMAIN_FIT
    ? { text: domainText, approximate: true, confidence: fit }
    : undefined;
}
