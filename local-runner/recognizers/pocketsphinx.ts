/**
 * PocketSphinx (Debian's libpocketsphinx.so.3, bound with koffi): the recognizer that works offline from
 * apt alone. Four decoders hear every utterance, side by side on libuv's thread pool, and three of them
 * give scored readings of it, ranked in this order (the decision policy, decision.ts, chooses among them):
 * 1. grammar: a JSGF grammar of the skill's exact sentences: the surest reading when someone says one;
 * 2. open: the open English language model interpolated with a trigram model of the skill's sentences
 *    (language-model.ts). It hears any English, leaning towards the skill's phrasing: a question worded in a
 *    new way comes out as said, and so does out-of-domain speech ("who composed the music for
 *    interstellar"), for the resolver to turn away as it does typed text;
 * 3. domain: the skill's trigram model alone, which hears paraphrases through voices the open model hears
 *    badly (espeak-ng).
 * The fourth, free, is the open English language model alone: the yardstick of every reading's confidence,
 * since speech that fits a constrained decoder much worse than it fits open English was not meant for it
 * (rejection.ts).
 * For a quick start, the open model is read once for the two decoders that use it, and each decoder reads a
 * dictionary cut down to the words it can hear, prepared once and cached on disk with the domain model
 * (pronunciations.ts, model-cache.ts).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import koffi, { type KoffiFunc, type LibraryHandle } from "koffi";
import { Endpointer } from "./endpointer.js";
import { jsgfGrammar, vocabularyOf } from "./grammar.js";
import { LANGUAGE_MODEL_CODE, trigramModel } from "./language-model.js";
import { type CachedFiles, cachedFiles } from "./model-cache.js";
import { DICTIONARY_CODE, dictionaryFor } from "./pronunciations.js";
import { confidenceOf } from "./rejection.js";
import {
  NOTHING_HEARD,
  type Reading,
  type ReadingSource,
  type RecognitionStream,
  type Recognizer,
  RecognizerUnavailable,
  type Transcript,
  transcriptOf,
} from "./types.js";

export const DEFAULT_POCKETSPHINX_MODEL = "/usr/share/pocketsphinx/model/en-us";
const INSTALL_HINT = "install it with: sudo apt-get install pocketsphinx pocketsphinx-en-us";

/** Pronunciations (CMU phones) for the skill's words that the CMU dictionary lacks. */
const EXTRA_PRONUNCIATIONS: Readonly<Record<string, string>> = {
  jonze: "JH AA N Z",
  runtime: "R AH N T AY M",
  nevermind: "N EH V ER M AY N D",
  scifi: "S AY F AY",
};

/**
 * Search settings for the open-model yardstick: narrow beams, at most 1,500 HMMs a frame, no second pass:
 * it needs a good path's score, not the very best one.
 */
const FAST_SEARCH = [
  "-fwdflat",
  "no",
  "-bestpath",
  "no",
  "-beam",
  "1e-40",
  "-wbeam",
  "1e-30",
  "-maxhmmpf",
  "1500",
];

/**
 * Search limits for the grammar, mixed and domain decoders: at most this many HMMs and word exits a frame.
 * In noise an unlimited search wakes most of the 72,000-word lexicon every frame and runs slower than real
 * time; capped, its cost stays about the same whatever the noise.
 */
const BOUNDED_SEARCH = ["-maxhmmpf", "2000", "-maxwpf", "5"];

/**
 * Carrier phrases in front of a quarter of the sentences ("tell me who directed her"), so the domain model
 * knows how a carrier leads into a question without outweighing plain questions.
 */
function carrierSentences(sentences: readonly string[], carriers: readonly string[]): string[] {
  if (carriers.length === 0) return [];
  return sentences
    .filter((_, index) => index % 4 === 0)
    .map((sentence, index) => `${carriers[index % carriers.length]} ${sentence}`);
}

interface Binding {
  readonly psArgs: () => unknown;
  readonly parseArgs: (inout: null, defn: unknown, argc: number, argv: string[], strict: number) => unknown;
  readonly init: (config: unknown) => unknown;
  readonly free: (ps: unknown) => number;
  readonly setJsgf: (ps: unknown, name: string, jsgf: string) => number;
  readonly setSearch: (ps: unknown, name: string) => number;
  readonly lookupWord: (ps: unknown, word: string) => string | null;
  readonly addWord: (ps: unknown, word: string, phones: string, update: number) => number;
  readonly startUtt: (ps: unknown) => number;
  readonly processRaw: (
    ps: unknown,
    data: Int16Array,
    n: number,
    noSearch: number,
    fullUtt: number,
  ) => number;
  readonly endUtt: (ps: unknown) => number;
  /** The same two calls on libuv's thread pool: the decoders run side by side, off the main thread. */
  readonly processRawAsync: (
    ps: unknown,
    data: Int16Array,
    n: number,
    noSearch: number,
    fullUtt: number,
  ) => Promise<number>;
  readonly endUttAsync: (ps: unknown) => Promise<number>;
  readonly getHyp: (ps: unknown, score: number[]) => string | null;
  readonly frames: (ps: unknown) => number;
  readonly config: (ps: unknown) => unknown;
  readonly logMath: (ps: unknown) => unknown;
  readonly readModel: (config: unknown, file: string, type: number, logMath: unknown) => unknown;
  readonly interpolate: (
    config: unknown,
    models: unknown[],
    names: string[],
    weights: Float32Array,
    count: number,
  ) => unknown;
  readonly freeModel: (model: unknown) => number;
  readonly setModel: (ps: unknown, name: string, model: unknown) => number;
  readonly modelWord: (model: unknown, wid: number) => string | null;
  readonly freeConfig: (config: unknown) => number;
  readonly logMathInit: (base: number, shift: number, useTable: number) => unknown;
  readonly logMathFree: (logMath: unknown) => number;
  readonly setLogStream: (stream: null) => void;
}

let binding: Binding | undefined;

/** The samples plus or minus one at random, the same for the same audio every time. */
function dither(chunk: Int16Array): Int16Array {
  const out = new Int16Array(chunk.length);
  let state = 1;
  for (let i = 0; i < chunk.length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    const sample = (chunk[i] as number) + (state & 0x10000 ? 1 : -1);
    out[i] = Math.max(-32768, Math.min(32767, sample));
  }
  return out;
}

/** A koffi function called on libuv's thread pool, as a promise. */
function onThreadPool(fn: KoffiFunc<(...args: never[]) => number>): (...args: never[]) => Promise<number> {
  return (...args) =>
    new Promise((resolve, reject) =>
      fn.async(...args, (error: unknown, result: number) => (error ? reject(error) : resolve(result))),
    );
}

/**
 * One decoder's calls, in order: a decoder is never used by two threads at once, while different
 * decoders work side by side. A failed call does not stop the ones after it.
 */
class Lane {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function loadBinding(): Binding {
  if (binding) return binding;
  let lib: LibraryHandle;
  let base: LibraryHandle;
  try {
    lib = koffi.load("libpocketsphinx.so.3");
    base = koffi.load("libsphinxbase.so.3");
  } catch (error) {
    throw new RecognizerUnavailable(
      `PocketSphinx is not installed (${(error as Error).message}); ${INSTALL_HINT}`,
    );
  }
  const processRaw = lib.func(
    "int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)",
  );
  const endUtt = lib.func("int ps_end_utt(void *ps)");
  binding = {
    psArgs: lib.func("void *ps_args()"),
    parseArgs: base.func(
      "void *cmd_ln_parse_r(void *inout, void *defn, int argc, const char **argv, int strict)",
    ),
    init: lib.func("void *ps_init(void *config)"),
    free: lib.func("int ps_free(void *ps)"),
    setJsgf: lib.func("int ps_set_jsgf_string(void *ps, const char *name, const char *jsgf)"),
    setSearch: lib.func("int ps_set_search(void *ps, const char *name)"),
    lookupWord: lib.func("const char *ps_lookup_word(void *ps, const char *word)"),
    addWord: lib.func("int ps_add_word(void *ps, const char *word, const char *phones, int update)"),
    startUtt: lib.func("int ps_start_utt(void *ps)"),
    processRaw,
    endUtt,
    processRawAsync: onThreadPool(processRaw) as Binding["processRawAsync"],
    endUttAsync: onThreadPool(endUtt) as Binding["endUttAsync"],
    getHyp: lib.func("const char *ps_get_hyp(void *ps, _Out_ int32_t *score)"),
    frames: lib.func("int ps_get_n_frames(void *ps)"),
    config: lib.func("void *ps_get_config(void *ps)"),
    logMath: lib.func("void *ps_get_logmath(void *ps)"),
    readModel: base.func("void *ngram_model_read(void *config, const char *file, int type, void *lmath)"),
    interpolate: base.func(
      "void *ngram_model_set_init(void *config, void **models, const char **names, const float *weights, int n)",
    ),
    freeModel: base.func("int ngram_model_free(void *model)"),
    setModel: lib.func("int ps_set_lm(void *ps, const char *name, void *lm)"),
    modelWord: base.func("const char *ngram_word(void *model, int32_t wid)"),
    freeConfig: base.func("int cmd_ln_free_r(void *config)"),
    logMathInit: base.func("void *logmath_init(double base, int shift, int use_table)"),
    logMathFree: base.func("int logmath_free(void *lmath)"),
    setLogStream: base.func("void err_set_logfp(void *stream)"),
  };
  // No log at all, for decoders and for models read outside them: what goes wrong reaches the user as a
  // RecognizerUnavailable that says what to do.
  binding.setLogStream(null);
  return binding;
}

export interface PocketSphinxOptions {
  /** The acoustic model folder (holding en-us/, cmudict-en-us.dict, en-us.lm.bin). */
  readonly modelDir?: string;
  /** Hear any English with the open language model, no grammar (sentences are then ignored). */
  readonly openVocabulary?: boolean;
  /** Where prepared dictionaries and the domain model are kept (model-cache.ts); the user's cache folder otherwise. */
  readonly cacheFolder?: string;
}

/** Share of the skill's trigram model in the mixed decoder's language model (0.6 to 0.95 hear alike). */
const DOMAIN_WEIGHT = 0.8;

/** ngram_model_read's file type: let sphinxbase tell ARPA from binary. */
const NGRAM_AUTO = 0;

/**
 * PocketSphinx's log base, its -logbase default as the decoders get it (a float, widened): a model shared
 * by decoders must be read with their base, or sphinxbase refuses to mix it and its scores differ.
 */
const LOG_BASE = Math.fround(1.0001);

/** The search ps_init makes from -lm, made here from a model already read. */
const DEFAULT_SEARCH = "_default";

interface Decoders {
  readonly grammar: unknown;
  readonly mixed?: unknown;
  readonly domain?: unknown;
  readonly free?: unknown;
}

/** What a cached file was made from: its path, size and time, so a changed model is never read stale. */
function fileStamp(file: string): { path: string; size: number; mtimeMs: number } {
  const { size, mtimeMs } = statSync(file);
  return { path: resolve(file), size, mtimeMs };
}

/** Makes a decoder reading the given dictionary, with extra arguments. */
type DecoderFactory = (dictionary: string, extra?: readonly string[]) => unknown;

export class PocketSphinxRecognizer implements Recognizer {
  readonly name = "pocketsphinx";
  /** Sentences left out because a word has no pronunciation. */
  readonly skipped: readonly string[];
  private readonly decoders: Decoders;
  /** The log tables the shared open language model was read with; freed after every decoder using it. */
  private readonly logMath: unknown;
  private closed = false;
  private readonly ps: Binding;
  private readonly lanes = new Map<unknown, Lane>();

  constructor(
    sentences: readonly string[],
    options: PocketSphinxOptions & { readonly carriers?: readonly string[] } = {},
  ) {
    const modelDir = options.modelDir ?? DEFAULT_POCKETSPHINX_MODEL;
    for (const part of ["en-us", "cmudict-en-us.dict", "en-us.lm.bin"]) {
      if (!existsSync(join(modelDir, part))) {
        throw new RecognizerUnavailable(
          `the PocketSphinx English model is missing (${join(modelDir, part)}); ${INSTALL_HINT}`,
        );
      }
    }
    this.ps = loadBinding();
    // Everything made before a later step fails is freed, not leaked: decoders, then the shared model.
    const created: unknown[] = [];
    const cleanups: Array<() => void> = [];
    const decoder: DecoderFactory = (dictionary, extra = []) => {
      const argv = ["-hmm", join(modelDir, "en-us"), "-dict", dictionary, ...extra];
      const config = this.ps.parseArgs(null, this.ps.psArgs(), argv.length, argv, 1);
      const ps = config && this.ps.init(config);
      if (!ps)
        throw new RecognizerUnavailable(
          `PocketSphinx could not start with the model in ${modelDir}; ${INSTALL_HINT}`,
        );
      created.push(ps);
      return ps;
    };
    this.logMath = this.ps.logMathInit(LOG_BASE, 0, 0);
    let failed = true;
    try {
      [this.decoders, this.skipped] = this.createDecoders(decoder, modelDir, sentences, options, cleanups);
      failed = false;
    } finally {
      if (failed) for (const ps of created.reverse()) this.ps.free(ps);
      // Our reference to the open model and temporary files: the decoders hold what they need.
      for (const cleanup of cleanups.reverse()) cleanup();
      if (failed && this.logMath) this.ps.logMathFree(this.logMath);
    }
  }

  /** The decoders (all four, or only an open-vocabulary one), and the sentences left out. */
  private createDecoders(
    decoder: DecoderFactory,
    modelDir: string,
    sentences: readonly string[],
    options: PocketSphinxOptions & { readonly carriers?: readonly string[] },
    cleanups: Array<() => void>,
  ): [Decoders, readonly string[]] {
    const carriers = options.carriers ?? [];
    const vocabulary = vocabularyOf([...sentences, ...carriers]);
    // The open model is read once and shared by the decoders that use it (a 72,000-word model).
    const openModel = this.readOpenModel(join(modelDir, "en-us.lm.bin"));
    cleanups.push(() => this.ps.freeModel(openModel));
    const dictionaries = this.dictionaries(modelDir, openModel, vocabulary, options.cacheFolder);
    cleanups.push(() => dictionaries.release());
    const skillDictionary = dictionaries.path("skill.dict");
    const openDictionary = dictionaries.path("open.dict");

    const grammar = decoder(options.openVocabulary ? openDictionary : skillDictionary, BOUNDED_SEARCH);
    if (options.openVocabulary) this.useModel(grammar, openModel);
    const unpronounceable = new Set(this.teachWords(grammar, vocabulary));
    const pronounceable = (sentence: string) =>
      sentence.split(" ").every((word) => !unpronounceable.has(word));
    const usable = sentences.filter(pronounceable);
    const skipped = sentences.filter((sentence) => !usable.includes(sentence));
    const usableCarriers = carriers.filter(pronounceable);
    if (options.openVocabulary) {
      // The decoder already carries the open language model: nothing to restrict, nothing to cross-check.
      return [{ grammar }, skipped];
    }
    if (
      this.ps.setJsgf(grammar, "skill", jsgfGrammar(usable, usableCarriers)) !== 0 ||
      this.ps.setSearch(grammar, "skill") !== 0
    ) {
      throw new RecognizerUnavailable(
        "PocketSphinx rejected the grammar generated from the interaction model",
      );
    }
    const domainSentences = [...usable, ...carrierSentences(usable, usableCarriers)];
    const domainFiles = cachedFiles(
      "pocketsphinx-domain",
      { code: LANGUAGE_MODEL_CODE, sentences: domainSentences },
      () => ({ "domain.arpa": trigramModel(domainSentences).arpa }),
      options.cacheFolder,
    );
    cleanups.push(() => domainFiles.release());
    const domainModel = domainFiles.path("domain.arpa");
    const domain = decoder(skillDictionary, ["-lm", domainModel, ...BOUNDED_SEARCH]);
    this.teachWords(domain, vocabulary);
    const mixed = this.mixedDecoder(
      // The mixed decoder's second, flat pass costs a third of its time in noise for little.
      decoder(openDictionary, [...BOUNDED_SEARCH, "-fwdflat", "no"]),
      domainModel,
      openModel,
      vocabulary,
    );
    // The yardstick needs a good path's score, not the very best one: narrow beams and one pass make it cheap.
    const free = decoder(openDictionary, FAST_SEARCH);
    this.useModel(free, openModel);
    return [{ grammar, mixed, domain, free }, skipped];
  }

  /** The open English language model, read with the log tables every decoder shares. */
  private readOpenModel(file: string): unknown {
    // A configuration of PocketSphinx's defaults, for the language weight and word penalty the model is
    // read with: the same as every decoder's, none of which sets them.
    const defaults = this.ps.parseArgs(null, this.ps.psArgs(), 0, [], 1);
    const model = defaults && this.logMath && this.ps.readModel(defaults, file, NGRAM_AUTO, this.logMath);
    if (defaults) this.ps.freeConfig(defaults);
    if (!model) throw new RecognizerUnavailable(`PocketSphinx could not read ${file}; ${INSTALL_HINT}`);
    return model;
  }

  /**
   * Dictionaries cut down to the words each decoder can use, from the cache or made now: the skill's words
   * (grammar and domain decoders), and those plus the open model's (mixed and free). Words outside a
   * decoder's grammar or model are never searched, so the cut changes nothing heard, only start-up time.
   */
  private dictionaries(
    modelDir: string,
    openModel: unknown,
    vocabulary: readonly string[],
    cacheFolder: string | undefined,
  ): CachedFiles {
    const dictionary = join(modelDir, "cmudict-en-us.dict");
    const inputs = {
      code: DICTIONARY_CODE,
      dictionary: fileStamp(dictionary),
      openModel: fileStamp(join(modelDir, "en-us.lm.bin")),
      vocabulary,
    };
    return cachedFiles(
      "pocketsphinx-dictionaries",
      inputs,
      () => {
        const entries = readFileSync(dictionary, "utf8");
        const openWords = new Set(vocabulary);
        for (let wid = 0; ; wid++) {
          const word = this.ps.modelWord(openModel, wid);
          if (word === null) break;
          openWords.add(word);
        }
        return {
          "skill.dict": dictionaryFor(entries, new Set(vocabulary)),
          "open.dict": dictionaryFor(entries, openWords),
        };
      },
      cacheFolder,
    );
  }

  /** Gives a decoder a language model already read, as its search (what -lm would have read itself). */
  private useModel(ps: unknown, model: unknown): void {
    if (this.ps.setModel(ps, DEFAULT_SEARCH, model) !== 0 || this.ps.setSearch(ps, DEFAULT_SEARCH) !== 0)
      throw new RecognizerUnavailable("PocketSphinx could not search with the open language model");
  }

  /** Adds the skill's words the dictionary lacks; returns those it has no pronunciation for. */
  private teachWords(decoder: unknown, words: readonly string[], update = true): string[] {
    const unknown: string[] = [];
    for (const word of words) {
      if (this.ps.lookupWord(decoder, word)) continue;
      const phones = EXTRA_PRONUNCIATIONS[word];
      if (phones) this.ps.addWord(decoder, word, phones, update ? 1 : 0);
      else unknown.push(word);
    }
    return unknown;
  }

  /** The decoder `ps`, given a language model that is the domain's and the open one's, interpolated. */
  private mixedDecoder(
    ps: unknown,
    domainFile: string,
    openModel: unknown,
    vocabulary: readonly string[],
  ): unknown {
    // The skill's words must be in the dictionary before the model that uses them arrives.
    this.teachWords(ps, vocabulary, false);
    const domainModel = this.ps.readModel(this.ps.config(ps), domainFile, NGRAM_AUTO, this.ps.logMath(ps));
    if (!domainModel)
      throw new RecognizerUnavailable(`PocketSphinx could not read ${domainFile}; ${INSTALL_HINT}`);
    try {
      const weights = new Float32Array([DOMAIN_WEIGHT, 1 - DOMAIN_WEIGHT]);
      const models = [domainModel, openModel];
      const mixed = this.ps.interpolate(
        this.ps.config(ps),
        models,
        ["domain", "open"],
        weights,
        models.length,
      );
      // The set and the search keep their own references: ours are dropped once they hold theirs.
      const failed = !mixed || this.ps.setModel(ps, "mixed", mixed) !== 0;
      if (mixed) this.ps.freeModel(mixed);
      if (failed || this.ps.setSearch(ps, "mixed") !== 0)
        throw new RecognizerUnavailable("PocketSphinx could not mix the domain and open language models");
      return ps;
    } finally {
      this.ps.freeModel(domainModel);
    }
  }

  start(): RecognitionStream {
    if (this.closed) throw new RecognizerUnavailable("the PocketSphinx recognizer was closed");
    const { ps, decoders: all } = this;
    const decoders = this.active();
    const endpointer = new Endpointer();
    const shown = all.mixed ?? all.grammar;
    let partial: string | undefined;
    for (const [decoder, lane] of decoders) lane.run(() => this.closed || ps.startUtt(decoder));
    const hypothesis = (decoder: unknown) => {
      const score = [0];
      const text = ps.getHyp(decoder, score) ?? "";
      return { text, score: score[0] ?? 0 };
    };
    return {
      accept: (chunk) => {
        // Audio can still arrive after close(); the decoders' memory is gone by then.
        if (this.closed) return {};
        // A copy, since the caller may reuse its buffer before the decoders have read it; dithered, since
        // synthetic and gated audio holds exact digital silence, which upsets feature normalisation.
        // (PocketSphinx's own -dither draws on one generator for every decoder, so decoders on several
        // threads would each get different noise from run to run.)
        const samples = dither(chunk);
        for (const [decoder, lane] of decoders) {
          lane.run(async () => {
            if (this.closed) return;
            await ps.processRawAsync(decoder, samples, samples.length, 0, 0);
            if (decoder === shown && !this.closed) partial = ps.getHyp(decoder, [0]) ?? undefined;
          });
        }
        // Measured here only for the fits (per frame of speech); the listen loop decides the end.
        endpointer.accept(chunk);
        return partial === undefined ? {} : { partial };
      },
      finish: async (): Promise<Transcript> => {
        await Promise.all(
          [...decoders].map(([decoder, lane]) =>
            lane.run(() => (this.closed ? undefined : ps.endUttAsync(decoder))),
          ),
        );
        if (this.closed) return NOTHING_HEARD;
        const grammar = hypothesis(all.grammar);
        if (!all.free || !all.domain || !all.mixed) {
          const reading: Reading = {
            text: grammar.text,
            source: "open",
            score: grammar.score,
            confidence: 1,
          };
          return transcriptOf(grammar.text === "" ? [] : [reading]);
        }
        const free = hypothesis(all.free);
        const speechFrames = Math.max(1, endpointer.speechDurationMs / 10);
        // The grammar's fit is per 10 ms frame of the whole recording, as its calibration was measured;
        // the others' per frame of speech, so silence around a short "stop" costs nothing.
        const read = (source: ReadingSource, decoder: unknown, frames: number): Reading | undefined => {
          const { text, score } = hypothesis(decoder);
          if (text === "") return undefined;
          return { text, source, score, confidence: confidenceOf(source, (score - free.score) / frames) };
        };
        const readings = [
          read("grammar", all.grammar, Math.max(1, ps.frames(all.grammar))),
          read("open", all.mixed, speechFrames),
          read("domain", all.domain, speechFrames),
        ].filter((reading) => reading !== undefined);
        // Nothing but silence: no decoder found a word in it.
        return transcriptOf(free.text === "" && readings.length === 0 ? [] : readings);
      },
    };
  }

  /** The decoders in use, each with its lane. */
  private active(): Map<unknown, Lane> {
    if (this.lanes.size > 0) return this.lanes;
    const { grammar, mixed, domain, free } = this.decoders;
    // The mixed and free decoders share one open language model, whose lookups keep a cache of their
    // own: they take turns on one lane, or their scores would depend on the threads' timing.
    const shared = new Lane();
    for (const decoder of [grammar, domain]) if (decoder !== undefined) this.lanes.set(decoder, new Lane());
    for (const decoder of [mixed, free]) if (decoder !== undefined) this.lanes.set(decoder, shared);
    return this.lanes;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Each decoder is freed once its lane is idle: a call under way on another thread finishes first.
    const freed = [...this.active()].map(([decoder, lane]) => lane.run(() => this.ps.free(decoder)));
    // Only then the log tables: the shared open model, gone with the last decoder, was read with them.
    void Promise.allSettled(freed).then(() => {
      if (this.logMath) this.ps.logMathFree(this.logMath);
    });
  }
}
