/**
 * Debian's libpocketsphinx.so.3 and libsphinxbase.so.3, bound with koffi: the calls the recognizer makes,
 * the costly ones also on libuv's thread pool, and lanes that keep each decoder on one thread at a time.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import koffi, { type KoffiFunc, type LibraryHandle } from "koffi";
import { RecognizerUnavailable } from "./types.js";

export const INSTALL_HINT = "install it with: sudo apt-get install pocketsphinx pocketsphinx-en-us";

/** The model folder's CMU pronunciation dictionary, whole; where it is missing, says what to install. */
export function cmuDictionary(modelDir: string): string {
  const source = join(modelDir, "cmudict-en-us.dict");
  try {
    return readFileSync(source, "utf8");
  } catch {
    throw new RecognizerUnavailable(`the PocketSphinx English model is missing (${source}); ${INSTALL_HINT}`);
  }
}

/** PocketSphinx would not start with the model in `modelDir`: what to install. */
export function cannotStartWith(modelDir: string): RecognizerUnavailable {
  return new RecognizerUnavailable(
    `PocketSphinx could not start with the model in ${modelDir}; ${INSTALL_HINT}`,
  );
}

/** A decoder configuration parsed from `argv` (the model in `modelDir`); says what to install if it cannot be. */
export function decoderConfig(ps: PocketSphinxLibrary, modelDir: string, argv: readonly string[]): unknown {
  const config = ps.parseArgs(null, ps.psArgs(), argv.length, [...argv], 1);
  if (!config) throw cannotStartWith(modelDir);
  return config;
}

/**
 * A decoder built from `argv` (with the model in `modelDir`) whose search `search` is the keyphrase search
 * for the phrases listed in `kwsFile`, built on libuv's thread pool. Throws RecognizerUnavailable when it
 * cannot start, or cannot listen for `phrases` (named in the message).
 */
export async function keyphraseDecoder(
  ps: PocketSphinxLibrary,
  modelDir: string,
  argv: readonly string[],
  search: { name: string; kwsFile: string; phrases: string },
): Promise<unknown> {
  const decoder = await ps.initAsync(decoderConfig(ps, modelDir, argv));
  if (!decoder) throw cannotStartWith(modelDir);
  if (
    ps.setKeyphrases(decoder, search.name, search.kwsFile) !== 0 ||
    ps.setSearch(decoder, search.name) !== 0
  ) {
    ps.free(decoder);
    throw new RecognizerUnavailable(`PocketSphinx could not listen for ${search.phrases}`);
  }
  return decoder;
}

/** The library's calls, under names that say what they do. */
export interface PocketSphinxLibrary {
  readonly psArgs: () => unknown;
  readonly parseArgs: (inout: null, defn: unknown, argc: number, argv: string[], strict: number) => unknown;
  readonly freeConfig: (config: unknown) => number;
  readonly init: (config: unknown) => unknown;
  readonly free: (ps: unknown) => number;
  readonly config: (ps: unknown) => unknown;
  readonly logMath: (ps: unknown) => unknown;
  readonly setSearch: (ps: unknown, name: string) => number;
  readonly lookupWord: (ps: unknown, word: string) => string | null;
  readonly addWord: (ps: unknown, word: string, phones: string, update: number) => number;
  readonly startUtt: (ps: unknown) => number;
  readonly getHyp: (ps: unknown, score: number[]) => string | null;
  readonly readModel: (config: unknown, file: string, type: number, logMath: unknown) => unknown;
  readonly freeModel: (model: unknown) => number;
  readonly setModel: (ps: unknown, name: string, model: unknown) => number;
  readonly modelWord: (model: unknown, wid: number) => string | null;
  readonly unigramScore: (
    model: unknown,
    wid: number,
    history: null,
    nHist: number,
    nUsed: number[],
  ) => number;
  readonly logMathInit: (base: number, shift: number, useTable: number) => unknown;
  /** Keyphrase spotting (wake-word.ts): a search that listens for one phrase in endless audio. */
  readonly setKeyphrase: (ps: unknown, name: string, keyphrase: string) => number;
  /** Keyphrase spotting of several phrases at once, from a file of lines "phrase /threshold/". */
  readonly setKeyphrases: (ps: unknown, name: string, file: string) => number;
  /** The current hypothesis's words, with their frames; ps_seg_next frees the iterator at its end. */
  readonly segments: (ps: unknown) => unknown;
  readonly nextSegment: (segment: unknown) => unknown;
  readonly segmentFrames: (segment: unknown, start: number[], end: number[]) => void;
  /** A segment's word; for keyphrase spotting, the phrase spotted. */
  readonly segmentWord: (segment: unknown) => string | null;
  /** A segment's score; for a spotted keyphrase, how much better it fit than the phone loop. */
  readonly segmentProbability: (segment: unknown, ascr: number[], lscr: number[], lback: number[]) => number;
  readonly logMathFree: (logMath: unknown) => number;
  /** On libuv's thread pool, off the main thread: decoding, and the costly steps of building a decoder. */
  readonly processRawAsync: (
    ps: unknown,
    data: Int16Array,
    n: number,
    noSearch: number,
    fullUtt: number,
  ) => Promise<number>;
  readonly endUttAsync: (ps: unknown) => Promise<number>;
  readonly initAsync: (config: unknown) => Promise<unknown>;
  readonly readModelAsync: (
    config: unknown,
    file: string,
    type: number,
    logMath: unknown,
  ) => Promise<unknown>;
  readonly interpolateAsync: (
    config: unknown,
    models: unknown[],
    names: string[],
    weights: Float32Array,
    count: number,
  ) => Promise<unknown>;
  readonly setModelAsync: (ps: unknown, name: string, model: unknown) => Promise<number>;
  /** A second handle on a language model, with a lookup cache of its own; undefined where it cannot be made. */
  readonly twin: (model: unknown) => ModelTwin | undefined;
}

/**
 * A second handle on a language model sphinxbase has read, sharing all of its memory (the n-grams, the
 * words and their index) but not the cache its trie keeps of the last history it scored: two decoders
 * scoring one model on two threads would read each other's half-written cache, while each with a handle
 * of its own they score side by side, and always the same.
 */
export interface ModelTwin {
  readonly model: unknown;
  /** Frees the handle (never the shared memory); once nothing that was given the handle is left. */
  release(): void;
}

/**
 * sphinxbase 5prealpha's structures on a 64-bit system (ngram_model_internal.h, ngram_model_trie.h,
 * lm_trie.h), which the twin copies; `twin` checks each offset it relies on against the library's own
 * accessors before copying anything.
 */
const LAYOUT = {
  /** ngram_model_trie_t: the ngram_model_t base (96 bytes), then a pointer to its lm_trie_t. */
  modelSize: 104,
  refcount: 0,
  counts: 8,
  order: 24,
  logZero: 48,
  trie: 96,
  /** lm_trie_t: seven pointers and sizes, then the cache: five floats and four word ids, padded. */
  trieSize: 96,
  trieUnigrams: 16,
} as const;

let library: PocketSphinxLibrary | undefined;

/** A koffi function called on libuv's thread pool, as a promise: `Call` is its async signature. */
function onThreadPool<Call extends (...args: never[]) => Promise<unknown>>(
  fn: KoffiFunc<(...args: never[]) => unknown>,
): Call {
  const call = (...args: unknown[]) =>
    new Promise((resolve, reject) =>
      fn.async(...(args as never[]), (error: unknown, result: unknown) =>
        error ? reject(error) : resolve(result),
      ),
    );
  return call as unknown as Call;
}

/** The library, loaded once; a RecognizerUnavailable saying what to install where it is missing. */
export function pocketSphinxLibrary(): PocketSphinxLibrary {
  if (library) return library;
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
  const init = lib.func("void *ps_init(void *config)");
  const readModel = base.func(
    "void *ngram_model_read(void *config, const char *file, int type, void *lmath)",
  );
  const setModel = lib.func("int ps_set_lm(void *ps, const char *name, void *lm)");
  const accessors: ModelAccessors = {
    counts: base.func("const uint32_t *ngram_model_get_counts(void *model)"),
    order: base.func("int32_t ngram_model_get_size(void *model)"),
    logZero: base.func("int32_t ngram_zero(void *model)"),
    score: base.func(
      "int32_t ngram_ng_score(void *model, int32_t wid, int32_t *history, int32_t n_hist, _Out_ int32_t *n_used)",
    ),
  };
  library = {
    psArgs: lib.func("void *ps_args()"),
    parseArgs: base.func(
      "void *cmd_ln_parse_r(void *inout, void *defn, int argc, const char **argv, int strict)",
    ),
    freeConfig: base.func("int cmd_ln_free_r(void *config)"),
    init,
    free: lib.func("int ps_free(void *ps)"),
    config: lib.func("void *ps_get_config(void *ps)"),
    logMath: lib.func("void *ps_get_logmath(void *ps)"),
    setSearch: lib.func("int ps_set_search(void *ps, const char *name)"),
    lookupWord: lib.func("const char *ps_lookup_word(void *ps, const char *word)"),
    addWord: lib.func("int ps_add_word(void *ps, const char *word, const char *phones, int update)"),
    startUtt: lib.func("int ps_start_utt(void *ps)"),
    getHyp: lib.func("const char *ps_get_hyp(void *ps, _Out_ int32_t *score)"),
    readModel,
    freeModel: base.func("int ngram_model_free(void *model)"),
    setModel,
    modelWord: base.func("const char *ngram_word(void *model, int32_t wid)"),
    unigramScore: accessors.score,
    logMathInit: base.func("void *logmath_init(double base, int shift, int use_table)"),
    logMathFree: base.func("int logmath_free(void *lmath)"),
    setKeyphrase: lib.func("int ps_set_keyphrase(void *ps, const char *name, const char *keyphrase)"),
    setKeyphrases: lib.func("int ps_set_kws(void *ps, const char *name, const char *keyfile)"),
    segments: lib.func("void *ps_seg_iter(void *ps)"),
    nextSegment: lib.func("void *ps_seg_next(void *seg)"),
    segmentFrames: lib.func("void ps_seg_frames(void *seg, _Out_ int *start, _Out_ int *end)"),
    segmentWord: lib.func("const char *ps_seg_word(void *seg)"),
    segmentProbability: lib.func(
      "int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)",
    ),
    processRawAsync: onThreadPool(
      lib.func("int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)"),
    ),
    endUttAsync: onThreadPool(lib.func("int ps_end_utt(void *ps)")),
    initAsync: onThreadPool(init),
    readModelAsync: onThreadPool(readModel),
    interpolateAsync: onThreadPool(
      base.func(
        "void *ngram_model_set_init(void *config, void **models, const char **names, const float *weights, int n)",
      ),
    ),
    setModelAsync: onThreadPool(setModel),
    twin: (model) => twinOf(model, accessors),
  };
  // No log at all, for decoders and for models read outside them: what goes wrong reaches the user as a
  // RecognizerUnavailable that says what to do.
  base.func("void err_set_logfp(void *stream)")(null);
  return library;
}

/** sphinxbase's own accessors, which the twin's layout is checked against. */
interface ModelAccessors {
  readonly counts: (model: unknown) => unknown;
  readonly order: (model: unknown) => number;
  readonly logZero: (model: unknown) => number;
  readonly score: PocketSphinxLibrary["unigramScore"];
}

/** Words whose scores the twin must give exactly as the model does before it is used. */
const TWIN_CHECKED_WORDS = 64;

/**
 * The twin of a trie model: copies of its ngram_model_trie_t and lm_trie_t, the first pointing at the
 * second, holding one reference of their own so that sphinxbase never frees them (nor, through them, the
 * memory they share with the model). Undefined, and nothing copied, when the model's structure is not the
 * one expected: the caller then scores the model from one thread at a time.
 */
function twinOf(model: unknown, accessors: ModelAccessors): ModelTwin | undefined {
  if (!model) return undefined;
  const pointerAt = (of: unknown, offset: number): unknown => koffi.decode(of, offset, "void *");
  const addressOf = (pointer: unknown) => (pointer ? koffi.address(pointer) : 0n);
  const trie = pointerAt(model, LAYOUT.trie);
  const fits =
    addressOf(pointerAt(model, LAYOUT.counts)) === addressOf(accessors.counts(model)) &&
    koffi.decode(model, LAYOUT.order, "uint8") === accessors.order(model) &&
    koffi.decode(model, LAYOUT.logZero, "int32_t") === accessors.logZero(model) &&
    koffi.decode(model, LAYOUT.refcount, "int") >= 1 &&
    trie !== null &&
    pointerAt(trie, LAYOUT.trieUnigrams) !== null;
  if (!fits) return undefined;
  const copy = (of: unknown, size: number) => {
    const made = koffi.alloc("uint8_t", size);
    new Uint8Array(koffi.view(made, size)).set(new Uint8Array(koffi.view(of, size)));
    return made;
  };
  const twinTrie = copy(trie, LAYOUT.trieSize);
  const twin = copy(model, LAYOUT.modelSize);
  koffi.encode(twin, LAYOUT.trie, "void *", twinTrie);
  koffi.encode(twin, LAYOUT.refcount, "int", 1);
  const freeCopies = () => {
    koffi.free(twin);
    koffi.free(twinTrie);
  };
  const counts = koffi.decode(accessors.counts(model), "uint32_t", 1) as number[];
  const words = Math.min(counts[0] ?? 0, TWIN_CHECKED_WORDS);
  for (let wid = 0; wid < words; wid++) {
    if (accessors.score(twin, wid, null, 0, [0]) !== accessors.score(model, wid, null, 0, [0])) {
      freeCopies();
      return undefined;
    }
  }
  let released = false;
  return {
    model: twin,
    release() {
      // A reference still held elsewhere (a decoder not yet freed) keeps the copies: a leak, not a crash.
      if (released || koffi.decode(twin, LAYOUT.refcount, "int") !== 1) return;
      released = true;
      freeCopies();
    },
  };
}

/**
 * Calls in order: what runs on a lane never overlaps, while different lanes work side by side. A failed
 * call does not stop the ones after it.
 */
export class Lane {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
