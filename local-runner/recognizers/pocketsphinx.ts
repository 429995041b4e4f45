/**
 * PocketSphinx (Debian's libpocketsphinx.so.3, bound with koffi): the recognizer that works offline from
 * apt alone. A JSGF grammar of the skill's sentences does the recognizing; a free decoder with the open
 * English language model listens alongside, so speech outside the grammar can be told apart (rejection.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import koffi, { type LibraryHandle } from "koffi";
import { Endpointer } from "./endpointer.js";
import { jsgfGrammar, vocabularyOf } from "./grammar.js";
import { judgeGrammarHypothesis } from "./rejection.js";
import { type RecognitionStream, type Recognizer, RecognizerUnavailable, type Transcript } from "./types.js";

export const DEFAULT_POCKETSPHINX_MODEL = "/usr/share/pocketsphinx/model/en-us";
const INSTALL_HINT = "install it with: sudo apt-get install pocketsphinx pocketsphinx-en-us";

/** Pronunciations (CMU phones) for the skill's words that the CMU dictionary lacks. */
const EXTRA_PRONUNCIATIONS: Readonly<Record<string, string>> = {
  jonze: "JH AA N Z",
  runtime: "R AH N T AY M",
  nevermind: "N EH V ER M AY N D",
  scifi: "S AY F AY",
};

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
  readonly getHyp: (ps: unknown, score: number[]) => string | null;
  readonly frames: (ps: unknown) => number;
}

let binding: Binding | undefined;

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
    processRaw: lib.func(
      "int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)",
    ),
    endUtt: lib.func("int ps_end_utt(void *ps)"),
    getHyp: lib.func("const char *ps_get_hyp(void *ps, _Out_ int32_t *score)"),
    frames: lib.func("int ps_get_n_frames(void *ps)"),
  };
  return binding;
}

export interface PocketSphinxOptions {
  /** The acoustic model folder (holding en-us/, cmudict-en-us.dict, en-us.lm.bin). */
  readonly modelDir?: string;
  /** Also decode with the open language model, to reject speech outside the grammar (on by default). */
  readonly rejection?: boolean;
  /** Hear any English with the open language model, no grammar (sentences are then ignored). */
  readonly openVocabulary?: boolean;
}

export class PocketSphinxRecognizer implements Recognizer {
  readonly name = "pocketsphinx";
  /** Sentences left out because a word has no pronunciation. */
  readonly skipped: readonly string[];
  private readonly grammarDecoder: unknown;
  private readonly freeDecoder: unknown;
  private closed = false;
  private readonly vocabulary: ReadonlySet<string>;
  private readonly ps: Binding;

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
    const decoder = (openLanguageModel: boolean) => {
      const argv = [
        "-hmm",
        join(modelDir, "en-us"),
        "-dict",
        join(modelDir, "cmudict-en-us.dict"),
        "-logfn",
        "/dev/null",
        // Synthetic and gated audio holds exact digital silence, which upsets feature normalisation.
        "-dither",
        "yes",
      ];
      if (openLanguageModel) argv.push("-lm", join(modelDir, "en-us.lm.bin"));
      const config = this.ps.parseArgs(null, this.ps.psArgs(), argv.length, argv, 1);
      const ps = config && this.ps.init(config);
      if (!ps)
        throw new RecognizerUnavailable(
          `PocketSphinx could not start with the model in ${modelDir}; ${INSTALL_HINT}`,
        );
      return ps;
    };
    this.grammarDecoder = decoder(options.openVocabulary === true);
    const unpronounceable = new Set<string>();
    const carriers = options.carriers ?? [];
    for (const word of vocabularyOf([...sentences, ...carriers])) {
      if (this.ps.lookupWord(this.grammarDecoder, word)) continue;
      const phones = EXTRA_PRONUNCIATIONS[word];
      if (phones) this.ps.addWord(this.grammarDecoder, word, phones, 1);
      else unpronounceable.add(word);
    }
    const pronounceable = (sentence: string) =>
      sentence.split(" ").every((word) => !unpronounceable.has(word));
    const usable = sentences.filter(pronounceable);
    this.skipped = sentences.filter((sentence) => !usable.includes(sentence));
    const usableCarriers = carriers.filter(pronounceable);
    this.vocabulary = new Set(vocabularyOf([...usable, ...usableCarriers]));
    if (options.openVocabulary) {
      // The decoder already carries the open language model: nothing to restrict, nothing to cross-check.
      this.freeDecoder = undefined;
      return;
    }
    if (
      this.ps.setJsgf(this.grammarDecoder, "skill", jsgfGrammar(usable, usableCarriers)) !== 0 ||
      this.ps.setSearch(this.grammarDecoder, "skill") !== 0
    ) {
      throw new RecognizerUnavailable(
        "PocketSphinx rejected the grammar generated from the interaction model",
      );
    }
    this.freeDecoder = options.rejection === false ? undefined : decoder(true);
  }

  start(): RecognitionStream {
    if (this.closed) throw new RecognizerUnavailable("the PocketSphinx recognizer was closed");
    const { ps, grammarDecoder, freeDecoder } = this;
    const endpointer = new Endpointer();
    ps.startUtt(grammarDecoder);
    if (freeDecoder) ps.startUtt(freeDecoder);
    return {
      accept: (chunk) => {
        // Audio can still arrive after close(); the decoders' memory is gone by then.
        if (this.closed) return { endOfSpeech: false };
        ps.processRaw(grammarDecoder, chunk, chunk.length, 0, 0);
        if (freeDecoder) ps.processRaw(freeDecoder, chunk, chunk.length, 0, 0);
        const partial = ps.getHyp(grammarDecoder, [0]) ?? undefined;
        return { partial, endOfSpeech: endpointer.accept(chunk) };
      },
      finish: (): Transcript => {
        if (this.closed) return { text: "" };
        ps.endUtt(grammarDecoder);
        const grammarScore = [0];
        const grammarText = ps.getHyp(grammarDecoder, grammarScore) ?? "";
        if (!freeDecoder) return { text: grammarText };
        ps.endUtt(freeDecoder);
        const freeScore = [0];
        const freeText = ps.getHyp(freeDecoder, freeScore) ?? "";
        const fit = ((grammarScore[0] ?? 0) - (freeScore[0] ?? 0)) / Math.max(1, ps.frames(grammarDecoder));
        return judgeGrammarHypothesis(grammarText, freeText, fit, this.vocabulary);
      },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ps.free(this.grammarDecoder);
    if (this.freeDecoder) this.ps.free(this.freeDecoder);
  }
}
