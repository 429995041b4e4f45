/**
 * Debian's libpocketsphinx.so.3 and libsphinxbase.so.3, bound with koffi: the calls the recognizer makes,
 * the costly ones also on libuv's thread pool, and lanes that keep each decoder on one thread at a time.
 */
import koffi, { type KoffiFunc, type LibraryHandle } from "koffi";
import { RecognizerUnavailable } from "./types.js";

export const INSTALL_HINT = "install it with: sudo apt-get install pocketsphinx pocketsphinx-en-us";

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
  /** The current hypothesis's words, with their frames; ps_seg_next frees the iterator at its end. */
  readonly segments: (ps: unknown) => unknown;
  readonly nextSegment: (segment: unknown) => unknown;
  readonly segmentFrames: (segment: unknown, start: number[], end: number[]) => void;
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
}

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
    unigramScore: base.func(
      "int32_t ngram_ng_score(void *model, int32_t wid, int32_t *history, int32_t n_hist, _Out_ int32_t *n_used)",
    ),
    logMathInit: base.func("void *logmath_init(double base, int shift, int use_table)"),
    logMathFree: base.func("int logmath_free(void *lmath)"),
    setKeyphrase: lib.func("int ps_set_keyphrase(void *ps, const char *name, const char *keyphrase)"),
    segments: lib.func("void *ps_seg_iter(void *ps)"),
    nextSegment: lib.func("void *ps_seg_next(void *seg)"),
    segmentFrames: lib.func("void ps_seg_frames(void *seg, _Out_ int *start, _Out_ int *end)"),
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
  };
  // No log at all, for decoders and for models read outside them: what goes wrong reaches the user as a
  // RecognizerUnavailable that says what to do.
  base.func("void err_set_logfp(void *stream)")(null);
  return library;
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
