/**
 * A pronunciation dictionary cut down to the words a decoder can hear. PocketSphinx spends most of its
 * start-up reading and indexing its 135,000-line dictionary, once per decoder, though a decoder only ever
 * uses the words of its grammar or language model. Pure, so the cut is cached on disk and tested alone.
 */

/** An entry's word without its alternate-pronunciation mark: "read(2)" -> "read". */
function baseWord(entry: string): string {
  return entry.replace(/\(\d+\)$/, "");
}

/**
 * The lines of `dictionary` (CMU format: "word PH ONES", alternates as "word(2) ...") whose word is one of
 * `words`, alternates included, in the dictionary's own order: PocketSphinx numbers words in the order it
 * reads them, and the same order keeps its search, and so what it hears, unchanged.
 */
export function dictionaryFor(dictionary: string, words: ReadonlySet<string>): string {
  const kept: string[] = [];
  for (const line of dictionary.split(/\r?\n/)) {
    const entry = /^\S+/.exec(line)?.[0];
    if (entry && words.has(baseWord(entry))) kept.push(line);
  }
  return kept.length > 0 ? `${kept.join("\n")}\n` : "";
}

/** The code that cuts dictionaries: part of a cached dictionary's key, so an edit to it rebuilds the cache. */
export const DICTIONARY_CODE = [baseWord, dictionaryFor].map(String).join("\n");
