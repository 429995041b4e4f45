/**
 * Telling in-grammar speech from the rest. A grammar decoder always returns one of its sentences, so a free
 * decoder (the open English language model) hears the same audio, and two checks decide whether to trust
 * the grammar's sentence:
 * - fit: the grammar path's score per 10 ms frame, relative to the free decoding's. Speech the grammar
 *   covers fits it about as well; speech outside it ("what's the weather") fits much worse.
 * - substitution: the grammar heard the film's name where the free decoder heard a word the skill never
 *   uses ("who directed jaws" -> "who directed her" / "who directed johns").
 * An untrusted transcript is marked out of grammar, and the skill hears a FallbackIntent.
 */
import { doubleMetaphone } from "double-metaphone";
import { subjectWords } from "../../skill/faq/data.js";
import type { Transcript } from "./types.js";

/**
 * Least grammar-over-free-decoding score per frame (PocketSphinx log units) to trust the grammar. Measured on
 * synthetic speech: in-domain questions score 12 to 30 with the festival voices (5 to 30 with espeak-ng),
 * out-of-domain ones forced onto a sentence -19 to 12. See `npm run bench:voice`.
 */
export const MIN_GRAMMAR_FIT = 10;

/**
 * Above this fit the grammar's sentence is trusted even when the free decoder missed the film's name: the
 * free decoder mishears "her" in some voices (short in-domain questions fit from 14), while real
 * substitutions fit poorly (12.4 at most, measured).
 */
export const SUBSTITUTION_FIT_CEILING = 13;

/**
 * Least domain-over-free-decoding score per 10 ms frame of speech to take the domain model's words (a
 * paraphrase) when the grammar's sentence was not trusted. Lenient on purpose: the resolver then needs
 * APPROXIMATE_MIN_CONFIDENCE (voice.ts), and the two together were calibrated on holdout A by voice: dev
 * questions 98% answered clean, 82% at 10 dB; out-of-domain speech about 75% rejected.
 */
export const MIN_DOMAIN_FIT = -5;

/**
 * Below this domain fit, a hypothesis that names the film where the free decoder heard another word is
 * rejected. Higher ceilings reject a little more out-of-domain speech but many more real paraphrases (a
 * ceiling of 10 lost 4 points of questions answered at 10 dB on holdout A), so only poor fits are checked.
 */
export const DOMAIN_SUBSTITUTION_FIT_CEILING = 0;

const SUBJECT = new Set(subjectWords);

export function judgeGrammarHypothesis(
  grammarText: string,
  freeText: string,
  fit: number,
  vocabulary: ReadonlySet<string>,
): Transcript {
  if (grammarText === "") return { text: freeText, outOfGrammar: true, confidence: fit };
  const trusted =
    fit >= MIN_GRAMMAR_FIT &&
    !(fit < SUBSTITUTION_FIT_CEILING && subjectReplaced(grammarText, freeText, vocabulary));
  return trusted
    ? { text: grammarText, confidence: fit }
    : { text: grammarText, outOfGrammar: true, confidence: fit };
}

/**
 * True when the hypothesis names the film where the free decoder heard no such word but did hear one the
 * skill never uses: "how long is avatar" forced onto "how long is her".
 */
function subjectReplaced(hypothesis: string, freeText: string, vocabulary: ReadonlySet<string>): boolean {
  const heard = new Set(words(freeText).map(soundOf));
  const foreign = words(freeText).filter((word) => word.length >= 4 && !vocabulary.has(word));
  return (
    foreign.length > 0 && words(hypothesis).some((word) => SUBJECT.has(word) && !heard.has(soundOf(word)))
  );
}

/**
 * The domain model's words when they fit well enough, marked approximate (so the resolver must be surer);
 * otherwise the grammar's rejected transcript stands.
 */
export function judgeDomainHypothesis(
  domainText: string,
  freeText: string,
  fit: number,
  vocabulary: ReadonlySet<string>,
  rejected: Transcript,
): Transcript {
  if (
    domainText === "" ||
    fit < MIN_DOMAIN_FIT ||
    (fit < DOMAIN_SUBSTITUTION_FIT_CEILING && subjectReplaced(domainText, freeText, vocabulary))
  )
    return rejected;
  return { text: domainText, approximate: true, confidence: fit };
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => /^[a-z']+$/.test(word));
}

function soundOf(word: string): string {
  return doubleMetaphone(word)[0] || word;
}
