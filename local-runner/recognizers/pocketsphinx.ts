/**
 * PocketSphinx (Debian's libpocketsphinx.so.3, bound with koffi): the recognizer that works offline from
 * apt alone. Three decoders hear every utterance:
 * - grammar: a JSGF grammar of the skill's exact sentences, the surest when someone says one of them;
 * - domain: a trigram language model of the same sentences (language-model.ts), which also hears questions
 *   worded differently ("how long does her run");
 * - free: the open English language model, the yardstick for both: speech that fits a constrained decoder
 *   much worse than it fits the open one was not meant for it (rejection.ts).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import koffi, { type LibraryHandle } from "koffi";
import { Endpointer } from "./endpointer.js";
import { jsgfGrammar, vocabularyOf } from "./grammar.js";
import { trigramModel } from "./language-model.js";
import { judgeDomainHypothesis, judgeGrammarHypothesis } from "./rejection.js";
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

/** Search settings for the open-model yardstick: narrow beams, no second pass (about 3x faster). */
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
  "3000",
];

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
  /**
   * Also decode with the domain and the open language models, to hear paraphrases and to reject speech
   * outside the domain (on by default). Off: the grammar's sentence is returned as heard.
   */
  readonly rejection?: boolean;
  /** Hear any English with the open language model, no grammar (sentences are then ignored). */
  readonly openVocabulary?: boolean;
}

export class PocketSphinxRecognizer implements Recognizer {
  readonly name = "pocketsphinx";
  /** Sentences left out because a word has no pronunciation. */
  readonly skipped: readonly string[];
  private readonly grammarDecoder: unknown;
  private readonly domainDecoder: unknown;
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
    // Decoders made before a later one fails are freed, not leaked.
    const created: unknown[] = [];
    const decoder = (languageModel?: string, extra: readonly string[] = []) => {
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
        // A fixed seed for the dither, so the same audio is always heard the same way.
        "-seed",
        "1",
        ...extra,
      ];
      if (languageModel) argv.push("-lm", languageModel);
      const config = this.ps.parseArgs(null, this.ps.psArgs(), argv.length, argv, 1);
      const ps = config && this.ps.init(config);
      if (!ps)
        throw new RecognizerUnavailable(
          `PocketSphinx could not start with the model in ${modelDir}; ${INSTALL_HINT}`,
        );
      created.push(ps);
      return ps;
    };
    try {
      [this.grammarDecoder, this.domainDecoder, this.freeDecoder, this.vocabulary, this.skipped] =
        this.decoders(decoder, join(modelDir, "en-us.lm.bin"), sentences, options);
    } catch (error) {
      for (const ps of created) this.ps.free(ps);
      throw error;
    }
  }

  /** The three decoders (or fewer, as the options say), with the vocabulary they share. */
  private decoders(
    decoder: (languageModel?: string, extra?: readonly string[]) => unknown,
    openModel: string,
    sentences: readonly string[],
    options: PocketSphinxOptions & { readonly carriers?: readonly string[] },
  ): [unknown, unknown, unknown, ReadonlySet<string>, readonly string[]] {
    const grammarDecoder = decoder(options.openVocabulary ? openModel : undefined);
    const carriers = options.carriers ?? [];
    const vocabulary = vocabularyOf([...sentences, ...carriers]);
    const unpronounceable = new Set(this.teachWords(grammarDecoder, vocabulary));
    const pronounceable = (sentence: string) =>
      sentence.split(" ").every((word) => !unpronounceable.has(word));
    const usable = sentences.filter(pronounceable);
    const skipped = sentences.filter((sentence) => !usable.includes(sentence));
    const usableCarriers = carriers.filter(pronounceable);
    const heard = new Set(vocabularyOf([...usable, ...usableCarriers]));
    if (options.openVocabulary) {
      // The decoder already carries the open language model: nothing to restrict, nothing to cross-check.
      return [grammarDecoder, undefined, undefined, heard, skipped];
    }
    if (
      this.ps.setJsgf(grammarDecoder, "skill", jsgfGrammar(usable, usableCarriers)) !== 0 ||
      this.ps.setSearch(grammarDecoder, "skill") !== 0
    ) {
      throw new RecognizerUnavailable(
        "PocketSphinx rejected the grammar generated from the interaction model",
      );
    }
    if (options.rejection === false) {
      return [grammarDecoder, undefined, undefined, heard, skipped];
    }
    const domainDecoder = this.domainModelDecoder(decoder, [
      ...usable,
      ...carrierSentences(usable, usableCarriers),
    ]);
    this.teachWords(domainDecoder, vocabulary);
    // The yardstick needs a good path's score, not the very best one: narrow beams and one pass make it cheap.
    return [grammarDecoder, domainDecoder, decoder(openModel, FAST_SEARCH), heard, skipped];
  }

  /** Adds the skill's words the dictionary lacks; returns those it has no pronunciation for. */
  private teachWords(decoder: unknown, words: readonly string[]): string[] {
    const unknown: string[] = [];
    for (const word of words) {
      if (this.ps.lookupWord(decoder, word)) continue;
      const phones = EXTRA_PRONUNCIATIONS[word];
      if (phones) this.ps.addWord(decoder, word, phones, 1);
      else unknown.push(word);
    }
    return unknown;
  }

  /** A decoder with the domain trigram model, which PocketSphinx reads from an ARPA file. */
  private domainModelDecoder(
    decoder: (languageModel?: string) => unknown,
    sentences: readonly string[],
  ): unknown {
    const folder = mkdtempSync(join(tmpdir(), "her-faq-lm-"));
    try {
      const file = join(folder, "domain.arpa");
      writeFileSync(file, trigramModel(sentences).arpa);
      return decoder(file);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  start(): RecognitionStream {
    if (this.closed) throw new RecognizerUnavailable("the PocketSphinx recognizer was closed");
    const { ps, grammarDecoder, domainDecoder, freeDecoder } = this;
    const decoders = [grammarDecoder, domainDecoder, freeDecoder].filter((decoder) => decoder !== undefined);
    const endpointer = new Endpointer();
    for (const decoder of decoders) ps.startUtt(decoder);
    const hypothesis = (decoder: unknown) => {
      const score = [0];
      const text = ps.getHyp(decoder, score) ?? "";
      return { text, score: score[0] ?? 0 };
    };
    return {
      accept: (chunk) => {
        // Audio can still arrive after close(); the decoders' memory is gone by then.
        if (this.closed) return { endOfSpeech: false };
        for (const decoder of decoders) ps.processRaw(decoder, chunk, chunk.length, 0, 0);
        const partial = ps.getHyp(domainDecoder ?? grammarDecoder, [0]) ?? undefined;
        return { partial, endOfSpeech: endpointer.accept(chunk) };
      },
      finish: (): Transcript => {
        if (this.closed) return { text: "" };
        for (const decoder of decoders) ps.endUtt(decoder);
        const grammar = hypothesis(grammarDecoder);
        if (!freeDecoder || !domainDecoder) return { text: grammar.text };
        const free = hypothesis(freeDecoder);
        // Per 10 ms frame of the whole recording, as the grammar thresholds were measured.
        const grammarFit = (grammar.score - free.score) / Math.max(1, ps.frames(grammarDecoder));
        const judged = judgeGrammarHypothesis(grammar.text, free.text, grammarFit, this.vocabulary);
        if (!judged.outOfGrammar) return judged;
        // Not one of the sentences: perhaps a paraphrase. Per frame of speech, so silence around it is no cost.
        const domain = hypothesis(domainDecoder);
        const speechFrames = endpointer.speechDurationMs / 10;
        const domainFit = (domain.score - free.score) / Math.max(1, speechFrames);
        return judgeDomainHypothesis(domain.text, free.text, domainFit, this.vocabulary, judged);
      },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ps.free(this.grammarDecoder);
    if (this.domainDecoder) this.ps.free(this.domainDecoder);
    if (this.freeDecoder) this.ps.free(this.freeDecoder);
  }
}
