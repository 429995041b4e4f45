/**
 * Words -> index terms: the vocabulary rules shared by every ranker (fillers dropped, domain synonyms and
 * irregular verbs folded, Porter stems). Pure and cheap, so queries and samples go through the same steps.
 */
import { stemmer } from "stemmer";
import { eng as englishStopwords } from "stopword";
import { normalizeUtterance } from "./normalize.js";

/** Words a speaker adds that never change what is asked. */
const FILLERS = new Set([
  "um",
  "uh",
  "erm",
  "hmm",
  "please",
  "alexa",
  "hey",
  "ok",
  "okay",
  "so",
  "well",
  "like",
]);

/** Multi-word phrases that mean one thing, folded before words are split into terms. */
const PHRASES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bartificial intelligence\b/g, "ai"],
  [/\ba i\b/g, "ai"],
  [/\bacademy awards?\b/g, "oscar"],
  [/\bpop culture\b/g, "popular culture"],
  [/\b(?:running|run) time\b/g, "runtime"],
  [/\bsci fi\b/g, "science fiction"],
  [/\bmotion picture\b/g, "film"],
  [/\bhow come\b/g, "why"],
];

/** Single words folded onto the form the samples use: synonyms, spelling variants, irregular verbs. */
const WORD_FORMS: Readonly<Record<string, string>> = {
  movie: "film",
  movies: "film",
  picture: "film",
  flick: "film",
  colour: "color",
  colours: "color",
  colourful: "colorful",
  theatre: "theater",
  theatres: "theaters",
  came: "come",
  won: "win",
  wrote: "write",
  written: "write",
  made: "make",
  // "filmed" is about where cameras rolled, "film" about the work: keep the two apart.
  filmed: "shoot",
  filming: "shoot",
  shooting: "shoot",
  shot: "shoot",
  took: "take",
  taken: "take",
  gave: "give",
  given: "give",
  got: "get",
  gotten: "get",
  saw: "see",
  seen: "see",
  did: "do",
  does: "do",
  done: "do",
  was: "be",
  were: "be",
  is: "be",
  are: "be",
  been: "be",
  am: "be",
  has: "have",
  had: "have",
  went: "go",
  gone: "go",
  left: "leave",
  fell: "fall",
  fallen: "fall",
  felt: "feel",
  meant: "mean",
  thought: "think",
  chose: "choose",
  chosen: "choose",
  composer: "compose",
};

const STOPWORDS = new Set(englishStopwords);

/** Question words say what kind of answer is wanted ("when" -> a date), so they are never mere framing. */
const QUESTION_WORDS = new Set(["who", "what", "when", "where", "why", "how", "which"]);

/** Words that frame a request rather than say what it is about ("can you tell me about ..."). */
const FRAMING_WORDS = new Set(
  ["tell", "know", "want", "wonder", "curious", "explain", "describe", "ask", "question", "say", "give"].map(
    (word) => termOfWord(word),
  ),
);

/** True for words that carry little meaning on their own ("the", "of", "me"). */
function isStopword(term: string): boolean {
  return STOPWORDS.has(term) && !QUESTION_WORDS.has(term);
}

/** True for words that only frame a request: function words and verbs like "tell" or "explain". */
export function isFraming(term: string): boolean {
  return isStopword(term) || FRAMING_WORDS.has(term);
}

/** The index terms of an utterance, in order: "Who composed the movie's soundtrack?" -> [who, compos, the, film, soundtrack]. */
export function termsOf(text: string): string[] {
  return analyze(text).map((token) => token.term);
}

/** Each meaningful word of an utterance with its index term, fillers dropped. */
export function analyze(text: string): Array<{ readonly word: string; readonly term: string }> {
  const folded = foldPhrases(normalizeUtterance(text));
  if (folded === "") return [];
  return folded
    .split(" ")
    .filter((word) => !FILLERS.has(word))
    .map((word) => ({ word, term: termOfWord(word) }));
}

/** The index term of one normalised word. */
export function termOfWord(word: string): string {
  const form = WORD_FORMS[word] ?? word;
  return form.length <= 3 ? form : stemmer(form);
}

function foldPhrases(normalized: string): string {
  let folded = normalized;
  for (const [pattern, replacement] of PHRASES) folded = folded.replace(pattern, replacement);
  return folded;
}
