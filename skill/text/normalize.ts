/**
 * Turns what a person typed or a recognizer heard into comparable words: the one normaliser used by the
 * interaction-model checks, the resolver's exact match and the ranker, so all of them agree on "the same".
 */

/** Longest accepted utterance, in characters; Alexa's own limit on spoken requests is far below this. */
export const MAX_UTTERANCE_LENGTH = 500;

const CONTRACTIONS: Readonly<Record<string, string>> = {
  "what's": "what is",
  "who's": "who is",
  "where's": "where is",
  "when's": "when is",
  "how's": "how is",
  "why's": "why is",
  "that's": "that is",
  "there's": "there is",
  "it's": "it is",
  "he's": "he is",
  "she's": "she is",
  "let's": "let us",
  "isn't": "is not",
  "aren't": "are not",
  "wasn't": "was not",
  "weren't": "were not",
  "doesn't": "does not",
  "don't": "do not",
  "didn't": "did not",
  "won't": "will not",
  "can't": "can not",
  cannot: "can not",
  "couldn't": "could not",
  "wouldn't": "would not",
  "shouldn't": "should not",
  "haven't": "have not",
  "hasn't": "has not",
  "i'm": "i am",
  "i'd": "i would",
  "i've": "i have",
  "i'll": "i will",
  "you're": "you are",
  "you'd": "you would",
  "they're": "they are",
  "we're": "we are",
  gonna: "going to",
  wanna: "want to",
};

/**
 * Lowercases, folds typographic quotes and accents, expands contractions, drops possessive "'s" and every
 * character that is not a letter, digit or space. "What's the film’s runtime?" -> "what is the film runtime".
 */
export function normalizeUtterance(text: string): string {
  const folded = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'");
  const words = folded
    .replace(/[^a-z0-9' ]+/g, " ")
    .split(/\s+/)
    .map((word) => word.replace(/^'+|'+$/g, ""))
    .filter((word) => word.length > 0)
    .map((word) => CONTRACTIONS[word] ?? word.replace(/'s$/, "").replace(/'/g, ""));
  return words.join(" ").replace(/\s+/g, " ").trim();
}
