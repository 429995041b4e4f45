/**
 * Ranks labelled example sentences (intent samples, FAQ questions) against an utterance and says how sure
 * it is. MiniSearch (BM25 with fuzzy term matching) retrieves the candidate examples; this module adds what
 * a voice front end needs on top: recovery of recognizer homophones ("here" for "her") and a confidence in
 * [0, 1] that falls when the utterance holds words the domain never uses ("how long is avatar").
 */
import { doubleMetaphone } from "double-metaphone";
import MiniSearch from "minisearch";
import { normalizeUtterance } from "./normalize.js";
import { analyze, isFraming, termOfWord, termsOf } from "./terms.js";

/** One example sentence and the label (intent name, FAQ id) it stands for. */
export interface LabelledExample {
  readonly label: string;
  readonly text: string;
}

export interface RankedLabel {
  readonly label: string;
  /** How well the label explains the utterance, from 0 (not at all) to 1 (fully). */
  readonly confidence: number;
  /** The label's example closest to the utterance. */
  readonly example: string;
}

/** Tuning of the confidence; the defaults are calibrated by `npm run calibrate`. */
export interface RankerTuning {
  /** Weight of a word the domain never uses, as a multiple of the rarest known word's weight. */
  readonly unknownWordWeight: number;
  /** The same in an utterance that names the subject, where a new word is more likely a paraphrase. */
  readonly anchoredUnknownWordWeight: number;
  /** Factor applied to the confidence for each unknown content word when the utterance names the subject. */
  readonly unknownWordPenalty: number;
  /** The same when it does not: an unknown word there is likely the name of some other subject. */
  readonly unanchoredUnknownWordPenalty: number;
  /** Factor for an utterance that never names the subject: it must match an example more closely. */
  readonly unanchoredFactor: number;
  /** Exponent on the share of the closest example that the utterance covers. */
  readonly exampleCoverageExponent: number;
  /** A fuzzy or homophone match counts for this share of an exact one. */
  readonly approximateMatchCredit: number;
  /** Weight of framing words ("tell me about", "the") relative to content words of the same rarity. */
  readonly framingWeight: number;
  /** Exponent on the share of the utterance the label explains. */
  readonly explainedExponent: number;
  /** Credit for a word found only in a label's context (an FAQ's answer), relative to one in its samples. */
  readonly contextCredit: number;
}

export const DEFAULT_TUNING: RankerTuning = {
  unknownWordWeight: 1.25,
  anchoredUnknownWordWeight: 0.4,
  unknownWordPenalty: 0.9,
  unanchoredUnknownWordPenalty: 0.3,
  unanchoredFactor: 0.8,
  exampleCoverageExponent: 1,
  approximateMatchCredit: 0.8,
  framingWeight: 0.4,
  explainedExponent: 2,
  contextCredit: 0.6,
};

export interface RankerOptions {
  /**
   * Words that name the subject itself ("her", a character's name): an utterance holding one is about this
   * domain even when some of its other words are new.
   */
  readonly anchors?: readonly string[];
  /** Background text per label (an FAQ's answer): its words count, weakly, as that label's vocabulary. */
  readonly contexts?: ReadonlyMap<string, string>;
  readonly tuning?: RankerTuning;
}

/** Weight of an unknown framing word ("the", "curious"): unknown, but says little. */
const UNKNOWN_FRAMING_WEIGHT = 0.15;
/** How many candidate labels get a full confidence computation. */
const CANDIDATE_LABELS = 5;

interface IndexedExample {
  readonly id: number;
  readonly label: string;
  readonly text: string;
  readonly terms: ReadonlySet<string>;
}

interface QueryTerm {
  readonly term: string;
  readonly weight: number;
  /** Known to the domain (perhaps through a homophone). */
  readonly known: boolean;
  /** Replaced by a homophone, so matched only approximately. */
  readonly approximate: boolean;
}

export class IntentRanker {
  private readonly search: MiniSearch<IndexedExample>;
  private readonly examples: IndexedExample[];
  private readonly examplesByLabel = new Map<string, IndexedExample[]>();
  private readonly vocabularyByLabel = new Map<string, Set<string>>();
  private readonly weights = new Map<string, number>();
  private readonly unknownWeight: number;
  private readonly anchoredUnknownWeight: number;
  /** Phonetic code -> known words with that sound, for recognizer homophones. */
  private readonly soundsLike = new Map<string, string[]>();

  private readonly anchors: ReadonlySet<string>;
  private readonly tuning: RankerTuning;
  /** Content terms of each label's context that its samples lack. */
  private readonly contextByLabel = new Map<string, Set<string>>();

  constructor(examples: readonly LabelledExample[], options: RankerOptions = {}) {
    const tuning = options.tuning ?? DEFAULT_TUNING;
    this.tuning = tuning;
    this.anchors = new Set((options.anchors ?? []).flatMap((anchor) => termsOf(anchor)));
    this.examples = examples.map((example, id) => ({
      id,
      ...example,
      terms: new Set(termsOf(example.text)),
    }));
    this.search = new MiniSearch<IndexedExample>({
      fields: ["text"],
      storeFields: ["label"],
      tokenize: (text) => termsOf(text),
      processTerm: (term) => term,
      searchOptions: {
        // Queries arrive as terms already, joined by spaces.
        tokenize: (text) => text.split(" ").filter((term) => term !== ""),
        processTerm: (term) => term,
        combineWith: "OR",
        fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
        weights: { fuzzy: tuning.approximateMatchCredit, prefix: 0 },
      },
    });
    this.search.addAll(this.examples);

    for (const example of this.examples) {
      const group = this.examplesByLabel.get(example.label) ?? [];
      group.push(example);
      this.examplesByLabel.set(example.label, group);
      const vocabulary = this.vocabularyByLabel.get(example.label) ?? new Set<string>();
      for (const term of example.terms) vocabulary.add(term);
      this.vocabularyByLabel.set(example.label, vocabulary);
      for (const word of normalizeUtterance(example.text).split(" ")) this.rememberSound(word);
    }
    for (const [label, context] of options.contexts ?? []) {
      const vocabulary = this.vocabularyByLabel.get(label);
      const extra = new Set(termsOf(context).filter((term) => !isFraming(term) && !vocabulary?.has(term)));
      this.contextByLabel.set(label, extra);
    }
    const labelCount = this.vocabularyByLabel.size;
    const labelsWithTerm = new Map<string, number>();
    for (const label of this.vocabularyByLabel.keys()) {
      const terms = new Set([
        ...(this.vocabularyByLabel.get(label) ?? []),
        ...(this.contextByLabel.get(label) ?? []),
      ]);
      for (const term of terms) labelsWithTerm.set(term, (labelsWithTerm.get(term) ?? 0) + 1);
    }
    let maxWeight = 0;
    for (const [term, labels] of labelsWithTerm) {
      const weight = Math.log(1 + labelCount / labels) * (isFraming(term) ? tuning.framingWeight : 1);
      this.weights.set(term, weight);
      maxWeight = Math.max(maxWeight, weight);
    }
    this.unknownWeight = maxWeight * tuning.unknownWordWeight;
    this.anchoredUnknownWeight = maxWeight * tuning.anchoredUnknownWordWeight;
  }

  /** Labels ranked best first (at most `limit`), one entry per label. */
  rank(utterance: string, limit = CANDIDATE_LABELS): RankedLabel[] {
    const query = this.queryOf(utterance);
    if (!query.some((term) => term.known)) return [];
    const candidates: string[] = [];
    for (const result of this.search.search(query.map((term) => term.term).join(" "))) {
      const label = result.label as string;
      if (!candidates.includes(label)) candidates.push(label);
      if (candidates.length >= Math.max(limit, CANDIDATE_LABELS)) break;
    }
    const resolved = query.map((term) => this.withMisspellingResolved(term));
    return candidates
      .map((label) => this.scoreLabel(label, resolved))
      .sort((a, b) => b.confidence - a.confidence)
      .slice(0, limit);
  }

  /** The best label, or undefined when nothing in the utterance is known. */
  best(utterance: string): RankedLabel | undefined {
    return this.rank(utterance, 1)[0];
  }

  /**
   * Confidence = (share of the utterance's weight this label's vocabulary explains)
   *            x (share of the closest example's weight the utterance covers) ^ exponent
   *            x penalty ^ (unknown content words).
   * Weights are rarity across labels, and unknown words weigh most: a question that names something the
   * domain never mentions ("is titanic based on a true story") is about something else.
   */
  private scoreLabel(label: string, query: readonly QueryTerm[]): RankedLabel {
    const vocabulary = this.vocabularyByLabel.get(label) ?? new Set<string>();
    const context = this.contextByLabel.get(label) ?? new Set<string>();
    const anchored = query.some((term) => term.known && this.anchors.has(term.term));
    const unknownWeight = anchored ? this.anchoredUnknownWeight : this.unknownWeight;
    let total = 0;
    let explained = 0;
    let unknownContentWords = 0;
    for (const term of query) {
      const contentUnknown = !term.known && !isFraming(term.term);
      const weight = contentUnknown ? unknownWeight : term.weight;
      total += weight;
      if (contentUnknown) unknownContentWords++;
      const credit = vocabulary.has(term.term) ? 1 : context.has(term.term) ? this.tuning.contextCredit : 0;
      if (term.known && credit > 0) {
        explained += credit * (term.approximate ? weight * this.tuning.approximateMatchCredit : weight);
      }
    }
    const queryTerms = new Set(query.map((term) => term.term));
    const penalty = anchored ? this.tuning.unknownWordPenalty : this.tuning.unanchoredUnknownWordPenalty;
    let bestCoverage = 0;
    let bestExample = "";
    for (const example of this.examplesByLabel.get(label) ?? []) {
      let exampleTotal = 0;
      let covered = 0;
      for (const term of example.terms) {
        const weight = this.weightOf(term);
        exampleTotal += weight;
        if (queryTerms.has(term)) covered += weight;
      }
      const coverage = exampleTotal === 0 ? 0 : covered / exampleTotal;
      if (coverage > bestCoverage || bestExample === "") {
        bestCoverage = coverage;
        bestExample = example.text;
      }
    }
    const confidence =
      total === 0
        ? 0
        : (explained / total) ** this.tuning.explainedExponent *
          bestCoverage ** this.tuning.exampleCoverageExponent *
          penalty ** unknownContentWords *
          (anchored ? 1 : this.tuning.unanchoredFactor);
    return { label, confidence, example: bestExample };
  }

  /** An unknown long term one edit away from a known one (as MiniSearch's fuzzy search found it) is that term. */
  private withMisspellingResolved(term: QueryTerm): QueryTerm {
    if (term.known || term.term.length < 5) return term;
    for (const known of this.weights.keys()) {
      if (known.length >= 5 && editDistance(known, term.term) <= 1) {
        return { term: known, weight: this.weightOf(known), known: true, approximate: true };
      }
    }
    return term;
  }

  private weightOf(term: string): number {
    return this.weights.get(term) ?? (isFraming(term) ? UNKNOWN_FRAMING_WEIGHT : this.unknownWeight);
  }

  /** Unique query terms; an unknown word that sounds like a known one is replaced by it. */
  private queryOf(utterance: string): QueryTerm[] {
    const seen = new Set<string>();
    const query: QueryTerm[] = [];
    for (const { word, term } of analyze(utterance)) {
      const homophone = this.weights.has(term) ? undefined : this.homophoneOf(word);
      const chosen = homophone ?? term;
      if (seen.has(chosen)) continue;
      seen.add(chosen);
      query.push({
        term: chosen,
        weight: this.weightOf(chosen),
        known: this.weights.has(chosen),
        approximate: homophone !== undefined,
      });
    }
    return query;
  }

  private rememberSound(word: string): void {
    const [code] = doubleMetaphone(word);
    if (!code) return;
    const words = this.soundsLike.get(code) ?? [];
    if (!words.includes(word)) words.push(word);
    this.soundsLike.set(code, words);
  }

  /**
   * A known word that sounds the same and is spelled nearly the same ("rolls" -> "roles", "here" -> "her").
   * Only words that carry meaning are recovered: turning "dad" into "did" would invent a match.
   */
  private homophoneOf(heard: string): string | undefined {
    const [code] = doubleMetaphone(heard);
    for (const word of (code && this.soundsLike.get(code)) || []) {
      const term = termOfWord(word);
      const meaningful = this.anchors.has(term) || !isFraming(term);
      // One slip in a short word, two in a long one: "rolls" -> "roles", but not "dad" -> "date".
      const allowed = heard.length <= 5 ? 1 : 2;
      if (meaningful && editDistance(word, heard) <= allowed) return term;
    }
    return undefined;
  }
}

/** Levenshtein distance; words here are short, so the simple table is fast enough. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
