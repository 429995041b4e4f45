/**
 * Vosk (libvosk from the `vosk` package, bound with koffi), restricted to the skill's phrases plus "[unk]",
 * so speech outside them comes out as unknown. Each result comes with its alternatives, scored by their
 * share of belief. Vosk's grammar mode builds a bigram model from the phrases, so a result can mix two
 * phrases: a reading that is not one of the skill's sentences keeps less of its confidence, and the
 * decision policy (decision.ts) then needs the resolver surer of its words.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { missingModelFiles } from "../../models/vosk-model.js";
import { SAMPLE_RATE } from "../audio/wav.js";
import { herFaq } from "../command-hint.js";
import { voskPhraseList } from "./grammar.js";
import {
  NOTHING_HEARD,
  type Reading,
  type RecognitionStream,
  type Recognizer,
  RecognizerUnavailable,
  type Transcript,
  transcriptOf,
} from "./types.js";
import { loadVoskLibrary, type VoskHandle, type VoskLibrary } from "./vosk-library.js";

/** Readings asked of libvosk for each utterance: the best and two runners-up. */
const MAX_ALTERNATIVES = 3;
const UNKNOWN = "[unk]";
/**
 * What a grammar reading that is not one of the skill's sentences keeps of its confidence. No real Vosk
 * model is at hand to calibrate it on; at 0.6, only a resolver at least 0.83 sure of the words lets it
 * answer (decision.ts's threshold of one half).
 */
const APPROXIMATE_FACTOR = 0.6;

function downloadHint(): string {
  return `download it with: ${herFaq("models download")} (or point --model / VOSK_MODEL at a model folder)`;
}

export interface VoskOptions {
  readonly modelPath: string;
  /** The phrases to restrict recognition to; undefined for the model's open vocabulary. */
  readonly sentences?: readonly string[];
  /** Where to tell the user what the model cannot do (missing words, no grammar support). */
  readonly onNotice?: (message: string) => void;
  /** libvosk itself; replaced only in tests, where no real model can exist. */
  readonly library?: VoskLibrary;
}

/**
 * Whether the model can restrict itself to a grammar. Only a model with a lookahead graph (HCLr.fst and
 * Gr.fst) can; one with a static HCLG.fst ignores the grammar and hears its whole vocabulary.
 */
export function supportsGrammar(modelPath: string): boolean {
  const graph = (file: string) => existsSync(join(modelPath, "graph", file));
  // libvosk loads HCLG.fst whenever it is there, and then ignores the grammar.
  return graph("HCLr.fst") && graph("Gr.fst") && !graph("HCLG.fst");
}

/** The most missing words a notice lists by name. */
const MAX_LISTED_WORDS = 12;

export class VoskRecognizer implements Recognizer {
  readonly name = "vosk";
  /** The skill's words the model does not know; libvosk would drop them from the grammar silently. */
  readonly missingWords: readonly string[];
  private readonly lib: VoskLibrary;
  private readonly model: VoskHandle;
  private readonly recognizer: VoskHandle;
  /** The sentences that are exact readings, as the grammar holds them. */
  private readonly exact: ReadonlySet<string> | undefined;
  /** Counts start() calls, so a stream abandoned for a newer one can no longer touch the recognizer. */
  private generation = 0;
  private closed = false;

  constructor(options: VoskOptions) {
    const missing = missingModelFiles(options.modelPath);
    if (missing.length > 0) {
      throw new RecognizerUnavailable(
        `no Vosk model in ${options.modelPath} (missing ${missing.join(", ")}); ${downloadHint()}`,
      );
    }
    this.lib = options.library ?? loadVoskLibrary();
    // Kaldi prints its own errors unless told not to; the error thrown here says what went wrong and what to do.
    this.lib.setLogLevel(-3);
    const model = this.lib.modelNew(options.modelPath);
    // libvosk returns NULL instead of throwing when it cannot load the model.
    if (!model) {
      throw new RecognizerUnavailable(
        `Vosk could not load the model in ${options.modelPath} (damaged or incomplete); ${downloadHint()}`,
      );
    }
    this.model = model;
    // A damaged graph loads without complaint, and libvosk then crashes building a grammar on it; a
    // recognizer without a grammar comes back NULL instead, so one is made first, as the probe.
    const probe = this.lib.recognizerNew(model, SAMPLE_RATE);
    if (!probe) {
      this.lib.modelFree(model);
      throw new RecognizerUnavailable(
        `the Vosk model in ${options.modelPath} has a missing or damaged graph (graph/HCLG.fst, or graph/HCLr.fst and graph/Gr.fst); ${downloadHint()}`,
      );
    }
    let sentences = options.sentences;
    if (sentences && !supportsGrammar(options.modelPath)) {
      options.onNotice?.(
        `the Vosk model in ${options.modelPath} has a static graph, which cannot be limited to the skill's phrases; hearing open English, and turning away what the skill does not know`,
      );
      sentences = undefined;
    }
    const { grammar, missingWords } = sentences
      ? this.grammarFor(sentences)
      : { grammar: undefined, missingWords: [] };
    this.missingWords = missingWords;
    if (missingWords.length > 0) {
      const listed = missingWords.slice(0, MAX_LISTED_WORDS).join(", ");
      const more = missingWords.length > MAX_LISTED_WORDS ? ", ..." : "";
      options.onNotice?.(
        `the Vosk model does not know ${missingWords.length} of the skill's words (${listed}${more}); phrases are heard without them`,
      );
    }
    this.exact = grammar ? new Set(grammar) : undefined;
    // The open vocabulary keeps the probe. A grammar gets a recognizer of its own, and never a missing
    // grammar string (libvosk makes that a NULL recognizer); its list always holds "[unk]" (voskPhraseList).
    let recognizer: VoskHandle | null = probe;
    if (grammar) {
      this.lib.recognizerFree(probe);
      recognizer = this.lib.recognizerNewGrammar(model, SAMPLE_RATE, voskPhraseList(grammar));
    }
    if (!recognizer) {
      this.lib.modelFree(model);
      throw new RecognizerUnavailable(
        `Vosk could not build a recognizer with the model in ${options.modelPath}; ${downloadHint()}`,
      );
    }
    this.lib.setWords(recognizer, true);
    this.lib.setMaxAlternatives(recognizer, MAX_ALTERNATIVES);
    this.recognizer = recognizer;
  }

  /** The sentences with every word the model knows; the words it does not know are reported. */
  private grammarFor(sentences: readonly string[]): { grammar: string[]; missingWords: string[] } {
    const known = new Map<string, boolean>();
    const knows = (word: string) => {
      let result = known.get(word);
      if (result === undefined) {
        result = this.lib.findWord(this.model, word) >= 0;
        known.set(word, result);
      }
      return result;
    };
    const grammar = new Set<string>();
    for (const sentence of sentences) {
      const words = sentence.split(" ").filter((word) => word !== "" && knows(word));
      if (words.length > 0) grammar.add(words.join(" "));
    }
    const missingWords = [...known].filter(([, isKnown]) => !isKnown).map(([word]) => word);
    return { grammar: [...grammar], missingWords: missingWords.sort() };
  }

  start(): RecognitionStream {
    if (this.closed) throw new RecognizerUnavailable("the Vosk recognizer was closed");
    const { lib, recognizer } = this;
    // One recognizer for every utterance: reset, not rebuilt (building compiles the whole grammar).
    lib.reset(recognizer);
    const generation = ++this.generation;
    let finished = false;
    const live = () => !this.closed && !finished && this.generation === generation;
    /** Text of the segments libvosk already closed at its own endpoints within this utterance. */
    const segments: string[] = [];
    return {
      accept: (chunk) => {
        if (!live()) return {};
        const state = lib.acceptWaveform(recognizer, chunk);
        if (state < 0) throw new RecognizerUnavailable("Vosk failed to decode the audio");
        // Kaldi's endpoint rule closed a segment (it also fires on long silence): keep its words, and go
        // on listening; the shared endpointer, not libvosk, decides when the user has finished.
        if (state === 1) {
          const best = readings(lib.result(recognizer))[0]?.text ?? "";
          if (best !== "") segments.push(best);
        }
        const partial = (parseJson(lib.partialResult(recognizer)).partial ?? "").trim();
        const shown = [...segments, partial].filter((part) => part !== "").join(" ");
        return shown === "" ? {} : { partial: shown.replaceAll(UNKNOWN, "…") };
      },
      // libvosk decodes as the audio arrives, on this thread: what is left is only its final result.
      finish: async (): Promise<Transcript> => {
        if (!live()) return NOTHING_HEARD;
        finished = true;
        const prefix = segments.join(" ");
        const all = readings(lib.finalResult(recognizer)).map((reading) => ({
          ...reading,
          text: [prefix, reading.text].filter((part) => part !== "").join(" "),
        }));
        if (all.length === 0 && prefix !== "") all.push({ text: prefix });
        const scored = withShares(all).map((reading) => this.readingOf(reading));
        // Speech the grammar does not hold: the runners-up are the same audio forced onto phrases.
        return transcriptOf(scored[0]?.text === "" ? scored.slice(0, 1) : scored);
      },
    };
  }

  /**
   * A reading as the decision policy takes it: unknown words out, and the confidence lowered for words
   * that are not one of the skill's sentences. Mostly unknown words are speech outside the phrases: no words.
   */
  private readingOf(reading: VoskReading & { readonly share: number }): Reading {
    const words = reading.text.split(" ").filter((word) => word !== "");
    const heard = words.filter((word) => word !== UNKNOWN);
    const source = this.exact ? "phrases" : "open";
    const score = reading.confidence ?? 0;
    if (words.length > 0 && heard.length < words.length / 2)
      return { text: "", source, score, confidence: 0 };
    const text = heard.join(" ");
    // Part unknown, or a mix of phrases (libvosk's grammar is a bigram of them): the skill's words, but
    // not one of its sentences, so the resolver's confidence alone must carry it.
    const approximate = this.exact !== undefined && (heard.length < words.length || !this.exact.has(text));
    return { text, source, score, confidence: reading.share * (approximate ? APPROXIMATE_FACTOR : 1) };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lib.recognizerFree(this.recognizer);
    this.lib.modelFree(this.model);
  }
}

/**
 * Each reading's share of belief: for alternatives (total log-likelihoods), the posterior over the list;
 * for a single result, the mean of its word confidences (1 when libvosk gave none).
 */
function withShares(all: readonly VoskReading[]): Array<VoskReading & { share: number }> {
  const scores = all.map((reading) => reading.confidence);
  const isLikelihood = scores.some((score) => score !== undefined && (all.length > 1 || score > 1));
  if (!isLikelihood) return all.map((reading) => ({ ...reading, share: reading.confidence ?? 1 }));
  const best = Math.max(...scores.map((score) => score ?? Number.NEGATIVE_INFINITY));
  const weights = scores.map((score) => (score === undefined ? 0 : Math.exp(score - best)));
  const total = weights.reduce((sum, weight) => sum + weight, 0) || 1;
  return all.map((reading, index) => ({ ...reading, share: (weights[index] ?? 0) / total }));
}

/** One of libvosk's readings of an utterance. */
export interface VoskReading {
  readonly text: string;
  /**
   * The alternative's score (a total log-likelihood that grows with length: never compare it with a fixed
   * threshold), or the mean of the word confidences (0 to 1) when libvosk gives those instead.
   */
  readonly confidence?: number;
}

interface VoskResultJson {
  readonly text?: string;
  readonly partial?: string;
  readonly result?: ReadonlyArray<{ readonly word: string; readonly conf?: number }>;
  readonly alternatives?: ReadonlyArray<{ readonly text?: string; readonly confidence?: number }>;
}

function parseJson(json: string): VoskResultJson {
  try {
    return JSON.parse(json) as VoskResultJson;
  } catch {
    return {};
  }
}

/**
 * libvosk's result as readings, best first: its alternatives when it was asked for them, else the one
 * text with the mean of its word confidences. Empty readings are dropped.
 */
export function readings(json: string): VoskReading[] {
  const result = parseJson(json);
  if (result.alternatives) {
    return result.alternatives
      .map((alternative) => ({ text: (alternative.text ?? "").trim(), confidence: alternative.confidence }))
      .filter((reading) => reading.text !== "");
  }
  const text = (result.text ?? "").trim();
  if (text === "") return [];
  const confidences = (result.result ?? []).flatMap((word) => (word.conf === undefined ? [] : [word.conf]));
  return confidences.length > 0
    ? [{ text, confidence: confidences.reduce((sum, value) => sum + value, 0) / confidences.length }]
    : [{ text }];
}
