/**
 * A small trigram language model of the skill's own sentences, in ARPA form, for a recognizer that should
 * hear questions worded differently from the samples ("how long does her run" when the samples say "how
 * long is her"): the words and word orders of the domain, without the closed grammar's one-sentence-or-
 * nothing. Absolute discounting with back-off (Ney, Essen and Kneser 1994), written as a standard ARPA file.
 * Pure and deterministic: the model follows the interaction model, and a cached copy is keyed by its inputs.
 */

const BEGIN = "<s>";
const END = "</s>";

export interface LanguageModelOptions {
  /** Taken from every seen n-gram count and given to the lower order (0 < discount < 1). */
  readonly discount?: number;
  /** Added to every unigram count, so each word of the vocabulary stays reachable. */
  readonly unigramFloor?: number;
}

export interface LanguageModel {
  readonly arpa: string;
  readonly vocabulary: readonly string[];
  readonly counts: readonly [unigrams: number, bigrams: number, trigrams: number];
}

type Counts = Map<string, number>;

function bump(counts: Counts, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** Builds the model; each sentence is a space-separated word sequence. */
export function trigramModel(
  sentences: readonly string[],
  options: LanguageModelOptions = {},
): LanguageModel {
  const discount = options.discount ?? 0.5;
  const floor = options.unigramFloor ?? 0.5;
  const unigrams: Counts = new Map();
  const bigrams: Counts = new Map();
  const trigrams: Counts = new Map();
  for (const sentence of sentences) {
    const words = sentence.split(" ").filter((word) => word !== "");
    if (words.length === 0) continue;
    const padded = [BEGIN, ...words, END];
    for (let i = 0; i < padded.length; i++) {
      const word = padded[i] as string;
      if (word !== BEGIN) bump(unigrams, word);
      if (i >= 1) bump(bigrams, `${padded[i - 1]} ${word}`);
      if (i >= 2) bump(trigrams, `${padded[i - 2]} ${padded[i - 1]} ${word}`);
    }
  }
  const vocabulary = [...unigrams.keys()].filter((word) => word !== END).sort();

  // Unigrams: add-floor smoothing over the vocabulary and </s>; <s> is never predicted.
  const unigramTotal = [...unigrams.values()].reduce((a, b) => a + b, 0) + floor * unigrams.size;
  const unigramP = new Map<string, number>();
  for (const [word, count] of unigrams) unigramP.set(word, (count + floor) / unigramTotal);

  const bigramP = conditional(bigrams, discount);
  const trigramP = conditional(trigrams, discount);

  /** P(word | previous), backing off to the unigram. */
  const backoffBigram = new Map<string, number>();
  const bigramProbability = (previous: string, word: string): number =>
    bigramP.get(`${previous} ${word}`) ?? (backoffBigram.get(previous) ?? 1) * (unigramP.get(word) ?? 0);
  for (const [history, seen] of followers(bigrams)) {
    const kept = seen.reduce((sum, word) => sum + (bigramP.get(`${history} ${word}`) ?? 0), 0);
    const lower = seen.reduce((sum, word) => sum + (unigramP.get(word) ?? 0), 0);
    backoffBigram.set(history, (1 - kept) / Math.max(1e-9, 1 - lower));
  }
  const backoffTrigram = new Map<string, number>();
  for (const [history, seen] of followers(trigrams)) {
    const previous = history.split(" ")[1] as string;
    const kept = seen.reduce((sum, word) => sum + (trigramP.get(`${history} ${word}`) ?? 0), 0);
    const lower = seen.reduce((sum, word) => sum + bigramProbability(previous, word), 0);
    backoffTrigram.set(history, (1 - kept) / Math.max(1e-9, 1 - lower));
  }

  const log = (p: number) => (p > 0 ? Math.log10(p).toFixed(4) : "-99");
  const lines = ["\\data\\", `ngram 1=${unigrams.size + 1}`, `ngram 2=${bigrams.size}`];
  lines.push(`ngram 3=${trigrams.size}`, "", "\\1-grams:");
  lines.push(`-99\t${BEGIN}\t${log(backoffBigram.get(BEGIN) ?? 1)}`);
  for (const word of [...unigrams.keys()].sort()) {
    const backoff = backoffBigram.get(word);
    lines.push(`${log(unigramP.get(word) ?? 0)}\t${word}${backoff === undefined ? "" : `\t${log(backoff)}`}`);
  }
  lines.push("", "\\2-grams:");
  for (const key of [...bigrams.keys()].sort()) {
    const backoff = backoffTrigram.get(key);
    lines.push(`${log(bigramP.get(key) ?? 0)}\t${key}${backoff === undefined ? "" : `\t${log(backoff)}`}`);
  }
  lines.push("", "\\3-grams:");
  for (const key of [...trigrams.keys()].sort()) lines.push(`${log(trigramP.get(key) ?? 0)}\t${key}`);
  lines.push("", "\\end\\", "");
  return {
    arpa: lines.join("\n"),
    vocabulary,
    counts: [unigrams.size + 1, bigrams.size, trigrams.size],
  };
}

/** P(last word | the words before) for every seen n-gram, discounted. */
function conditional(ngrams: Counts, discount: number): Map<string, number> {
  const historyTotals: Counts = new Map();
  for (const [key, count] of ngrams) bump(historyTotals, historyOf(key), count);
  const probabilities = new Map<string, number>();
  for (const [key, count] of ngrams) {
    probabilities.set(key, (count - discount) / (historyTotals.get(historyOf(key)) as number));
  }
  return probabilities;
}

/** Each history with the words seen after it. */
function followers(ngrams: Counts): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const key of ngrams.keys()) {
    const history = historyOf(key);
    const list = seen.get(history) ?? [];
    list.push(key.slice(history.length + 1));
    seen.set(history, list);
  }
  return seen;
}

function historyOf(key: string): string {
  return key.slice(0, key.lastIndexOf(" "));
}

/** The code that builds the model: part of a cached model's key, so an edit to it rebuilds the cache. */
export const LANGUAGE_MODEL_CODE = [BEGIN, END, bump, trigramModel, conditional, followers, historyOf]
  .map(String)
  .join("\n");
