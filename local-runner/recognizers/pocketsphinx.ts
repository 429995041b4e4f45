/**
 * PocketSphinx (Debian's libpocketsphinx.so.3, bound with koffi): the recognizer that works offline from
 * apt alone. Three decoders hear every utterance, side by side on libuv's thread pool, and two of them give
 * scored readings of it, ranked in this order (the decision policy, decision.ts, chooses between them):
 * 1. open: the open English language model interpolated with a trigram model of the skill's sentences
 *    (language-model.ts). It hears any English, leaning towards the skill's phrasing: a question worded in a
 *    new way comes out as said, and so does out-of-domain speech ("who composed the music for
 *    interstellar"), for the resolver to turn away as it does typed text;
 * 2. domain: the skill's trigram model alone, which hears the skill's sentences and their paraphrases
 *    through voices and noise the open model hears badly.
 * The third, free, is the open English language model alone: the yardstick of every reading's confidence,
 * since speech that fits a constrained decoder much worse than it fits open English was not meant for it
 * (rejection.ts). (A fourth decoder, a grammar of the exact sentences, added nothing the domain model does
 * not hear: docs/voice.md.)
 * For a quick start, the domain decoder is made at once and the two open ones on threads meanwhile: the open
 * model is read once for both while the domain decoder is made, and the mixed decoder, built first, decodes
 * while the yardstick is built. Each decoder reads a dictionary cut down to the words it can hear, prepared
 * once and cached on disk with the domain model (pronunciations.ts, model-cache.ts).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Endpointer } from "./endpointer.js";
import { vocabularyOf } from "./grammar.js";
import { LANGUAGE_MODEL_CODE, trigramModel } from "./language-model.js";
import { type CachedFiles, cachedFiles } from "./model-cache.js";
import {
  cannotStartWith,
  decoderConfig,
  INSTALL_HINT,
  Lane,
  type ModelTwin,
  type PocketSphinxLibrary,
  pocketSphinxLibrary,
} from "./pocketsphinx-library.js";
import { DICTIONARY_CODE, dictionaryFor } from "./pronunciations.js";
import { confidenceOf } from "./rejection.js";
import {
  NOTHING_HEARD,
  type Reading,
  type RecognitionStream,
  type Recognizer,
  RecognizerUnavailable,
  type Transcript,
  transcriptOf,
} from "./types.js";

export const DEFAULT_POCKETSPHINX_MODEL = "/usr/share/pocketsphinx/model/en-us";

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
 * Search limits for the mixed and domain decoders: at most this many HMMs and word exits a frame.
 * In noise an unlimited search wakes most of the 72,000-word lexicon every frame and runs slower than real
 * time; capped, its cost stays about the same whatever the noise.
 */
const BOUNDED_SEARCH = ["-maxhmmpf", "2000", "-maxwpf", "5"];

/**
 * The domain decoder's: bounded, and with its language model weighed more than PocketSphinx's default 6.5,
 * so that in noise it holds to the skill's word orders as a grammar would (calibration set: babble at 10 dB
 * answered 50% at 10 against 44% at 6.5 and 45% at 13).
 */
const DOMAIN_SEARCH = [...BOUNDED_SEARCH, "-lw", "10"];

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

/** The samples plus or minus one at random, the same for the same audio every time. */
export function dither(chunk: Int16Array): Int16Array {
  const out = new Int16Array(chunk.length);
  let state = 1;
  for (let i = 0; i < chunk.length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    const sample = (chunk[i] as number) + (state & 0x10000 ? 1 : -1);
    out[i] = Math.max(-32768, Math.min(32767, sample));
  }
  return out;
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

/** The open English language model, in the model folder. */
const OPEN_MODEL = "en-us.lm.bin";

/**
 * How many of the open model's 72,000 words the mixed and free decoders know: its most probable ones, which
 * hold nearly everything people say. Every word costs start-up time and memory; the rarest 52,000 change
 * nothing measured (docs/voice.md).
 */
const OPEN_WORDS = 20_000;

/** ngram_model_read's file type: let sphinxbase tell ARPA from binary. */
const NGRAM_AUTO = 0;

/**
 * PocketSphinx's log base, its -logbase default as the decoders get it (a float, widened): a model shared
 * by decoders must be read with their base, or sphinxbase refuses to mix it and its scores differ.
 */
const LOG_BASE = Math.fround(1.0001);

/** The search ps_init makes from -lm, made here from a model already read. */
const DEFAULT_SEARCH = "_default";

/** A decoder's best reading and its score. */
interface Hypothesis {
  readonly text: string;
  readonly score: number;
}

/** What the open decoders are built from. */
interface OpenPlan {
  readonly openDictionary: string;
  readonly domainModel: string;
  readonly vocabulary: readonly string[];
}

/** What a cached file was made from: its path, size and time, so a changed model is never read stale. */
function fileStamp(file: string): { path: string; size: number; mtimeMs: number } {
  const { size, mtimeMs } = statSync(file);
  return { path: resolve(file), size, mtimeMs };
}

export class PocketSphinxRecognizer implements Recognizer {
  readonly name = "pocketsphinx";
  /** Sentences left out because a word has no pronunciation. */
  readonly skipped: readonly string[];
  /** The decoder made at once: the skill's trigram model, or with an open vocabulary the open model alone. */
  private readonly first: unknown;
  /** The mixed decoder, once built on its lane (none with an open vocabulary). */
  private mixed: unknown;
  /** The free decoder, the yardstick, once built on its lane (none with an open vocabulary). */
  private free: unknown;
  /** Settles once the open decoders are built. */
  private readonly built: Promise<void>;
  /**
   * The open language model being read for the open decoders, from as early as start-up allows; held until
   * both are freed, since the free decoder's twin of it shares its memory.
   */
  private openModel: Promise<unknown> | undefined;
  /**
   * The free decoder's handle on the open model, with a lookup cache of its own, so that the mixed and free
   * decoders score side by side; undefined until the model is read, or where it cannot be made.
   */
  private twin: ModelTwin | undefined;
  /** The log tables the shared open language model was read with; freed after every decoder using it. */
  private readonly logMath: unknown;
  private closed = false;
  private readonly ps: PocketSphinxLibrary;
  /** One lane a decoder, which builds it and then decodes with it: a decoder is used by one thread at a time. */
  private readonly lanes = { first: new Lane(), mixed: new Lane(), free: new Lane() };
  /**
   * Taken by every call that scores with the open language model when the mixed and free decoders share
   * one handle on it (no twin could be made): its lookups keep a cache of their own, so they then score in
   * turn, or their scores would depend on the threads' timing.
   */
  private readonly openModelScoring = new Lane();
  /** Runs a call that scores with the open model: at once with a twin, else in turn with the other's. */
  private readonly scoringOpen = <T>(task: () => T | Promise<T>): T | Promise<T> =>
    this.twin ? task() : this.openModelScoring.run(task);

  constructor(
    sentences: readonly string[],
    options: PocketSphinxOptions & { readonly carriers?: readonly string[] } = {},
  ) {
    const modelDir = options.modelDir ?? DEFAULT_POCKETSPHINX_MODEL;
    for (const part of ["en-us", "cmudict-en-us.dict", OPEN_MODEL]) {
      if (!existsSync(join(modelDir, part))) {
        throw new RecognizerUnavailable(
          `the PocketSphinx English model is missing (${join(modelDir, part)}); ${INSTALL_HINT}`,
        );
      }
    }
    this.ps = pocketSphinxLibrary();
    this.logMath = this.ps.logMathInit(LOG_BASE, 0, 0);
    // What is made before a later step fails is freed, not leaked: the decoder, the cache's temporary files.
    const cleanups: Array<() => void> = [];
    let plan: OpenPlan | undefined;
    try {
      [this.first, this.skipped, plan] = this.createFirst(modelDir, sentences, options, cleanups);
    } catch (error) {
      for (const cleanup of cleanups.reverse()) cleanup();
      // The log tables once the open model, read with them, is read and freed.
      const { openModel, logMath } = this;
      void Promise.allSettled([openModel?.then((model) => this.ps.freeModel(model))]).then(() => {
        if (logMath) this.ps.logMathFree(logMath);
      });
      throw error;
    }
    // The open decoders take most of the start-up: they are built on threads meanwhile, and each
    // utterance's calls wait for them on their lanes.
    const { openModel } = this;
    this.built = (plan && openModel ? this.buildOpen(modelDir, plan, openModel) : Promise.resolve()).finally(
      () => {
        for (const cleanup of cleanups.reverse()) cleanup();
      },
    );
    // Reported by ready() and finish(); never an unhandled rejection meanwhile.
    this.built.catch(() => undefined);
  }

  /** Resolves once every decoder is built; rejects, saying what to install, if one could not be. */
  ready(): Promise<void> {
    return this.built;
  }

  /**
   * The domain decoder (or, for an open vocabulary, the one open decoder), the sentences left out, and what
   * the open decoders are to be built from.
   */
  private createFirst(
    modelDir: string,
    sentences: readonly string[],
    options: PocketSphinxOptions & { readonly carriers?: readonly string[] },
    cleanups: Array<() => void>,
  ): [unknown, readonly string[], OpenPlan | undefined] {
    const carriers = options.carriers ?? [];
    const vocabulary = vocabularyOf([...sentences, ...carriers]);
    const dictionaries = this.dictionaries(modelDir, vocabulary, options.cacheFolder);
    cleanups.push(() => dictionaries.release());
    if (!options.openVocabulary) {
      // The longest step of start-up, on a thread while the domain decoder is made: after the dictionaries,
      // whose making on a first run reads a copy of its own.
      this.openModel = this.readOpenModel(modelDir, true);
      // Awaited as the open decoders are built; never an unhandled rejection meanwhile.
      this.openModel.catch(() => undefined);
    }
    const skillDictionary = dictionaries.path("skill.dict");
    const openDictionary = dictionaries.path("open.dict");
    const first = this.ps.init(
      options.openVocabulary
        ? this.configWith(modelDir, openDictionary, BOUNDED_SEARCH)
        : this.configWith(modelDir, skillDictionary, DOMAIN_SEARCH),
    );
    if (!first) throw cannotStartWith(modelDir);
    try {
      return this.prepareFirst(first, modelDir, sentences, options, vocabulary, openDictionary, cleanups);
    } catch (error) {
      this.ps.free(first);
      throw error;
    }
  }

  /** Teaches the first decoder the skill's words and gives it its language model. */
  private prepareFirst(
    first: unknown,
    modelDir: string,
    sentences: readonly string[],
    options: PocketSphinxOptions & { readonly carriers?: readonly string[] },
    vocabulary: readonly string[],
    openDictionary: string,
    cleanups: Array<() => void>,
  ): [unknown, readonly string[], OpenPlan | undefined] {
    const carriers = options.carriers ?? [];
    const unpronounceable = new Set(this.teachWords(first, vocabulary));
    const pronounceable = (sentence: string) =>
      sentence.split(" ").every((word) => !unpronounceable.has(word));
    const usable = sentences.filter(pronounceable);
    const skipped = sentences.filter((sentence) => !usable.includes(sentence));
    if (options.openVocabulary) {
      // The decoder carries the open language model: nothing to restrict, nothing to cross-check.
      const openModel = this.readOpenModel(modelDir);
      try {
        this.useModel(first, openModel, DEFAULT_SEARCH);
      } finally {
        this.ps.freeModel(openModel);
      }
      return [first, skipped, undefined];
    }
    const usableCarriers = carriers.filter(pronounceable);
    const domainSentences = [...usable, ...carrierSentences(usable, usableCarriers)];
    const domainFiles = cachedFiles(
      "pocketsphinx-domain",
      { code: LANGUAGE_MODEL_CODE, sentences: domainSentences },
      () => ({ "domain.arpa": trigramModel(domainSentences).arpa }),
      options.cacheFolder,
    );
    cleanups.push(() => domainFiles.release());
    const domainModel = domainFiles.path("domain.arpa");
    const domain = this.ps.readModel(this.ps.config(first), domainModel, NGRAM_AUTO, this.ps.logMath(first));
    if (!domain)
      throw new RecognizerUnavailable(`PocketSphinx could not read ${domainModel}; ${INSTALL_HINT}`);
    try {
      this.useModel(first, domain, "domain");
    } finally {
      this.ps.freeModel(domain);
    }
    return [first, skipped, { openDictionary, domainModel, vocabulary }];
  }

  private configWith(modelDir: string, dictionary: string, extra: readonly string[]): unknown {
    return decoderConfig(this.ps, modelDir, ["-hmm", join(modelDir, "en-us"), "-dict", dictionary, ...extra]);
  }

  /**
   * The mixed and free decoders, built on libuv's thread pool while the caller goes on. The mixed decoder is
   * built first, and decodes what has been heard while the free one is built: building the free decoder
   * only looks words up in the open model, which scoring leaves alone.
   */
  private async buildOpen(modelDir: string, plan: OpenPlan, reading: Promise<unknown>): Promise<void> {
    const decoder = async (extra: readonly string[]) => {
      const ps = await this.ps.initAsync(this.configWith(modelDir, plan.openDictionary, extra));
      if (!ps) throw cannotStartWith(modelDir);
      return ps;
    };
    // The twin is made before either decoder takes the model, on this thread.
    const model = reading.then((read) => {
      this.twin = this.ps.twin(read);
      return read;
    });
    const mixedBuilt = this.lanes.mixed.run(async () => {
      // The mixed decoder's second, flat pass costs a third of its time in noise for little.
      const mixed = await decoder([...BOUNDED_SEARCH, "-fwdflat", "no"]);
      try {
        await this.mix(mixed, plan.domainModel, await model, plan.vocabulary);
      } catch (error) {
        this.ps.free(mixed);
        throw error;
      }
      this.mixed = mixed;
    });
    // The yardstick needs a good path's score, not the very best one: narrow beams and one pass make it cheap.
    const freeBuilt = this.lanes.free.run(async () => {
      // Made once the model is read, so as not to slow the reading, which everything else waits for.
      const read = await model;
      const free = await decoder(FAST_SEARCH);
      try {
        // Without a twin, only after the mixed decoder holds its reference to the model: the two never
        // change its reference count (a plain counter) at once.
        if (!this.twin) await mixedBuilt;
        if ((await this.ps.setModelAsync(free, DEFAULT_SEARCH, this.twin?.model ?? read)) !== 0)
          throw this.cannotSearch();
        this.useModel(free, undefined, DEFAULT_SEARCH);
      } catch (error) {
        this.ps.free(free);
        throw error;
      }
      this.free = free;
    });
    await Promise.all([mixedBuilt, freeBuilt]);
    if (this.closed) throw new RecognizerUnavailable("the PocketSphinx recognizer was closed");
  }

  /**
   * The open English language model, read with the log tables every decoder shares, and with PocketSphinx's
   * default language weight and word penalty (those of every decoder, none of which sets them); on a thread
   * when `onThread`.
   */
  private readOpenModel(modelDir: string): unknown;
  private readOpenModel(modelDir: string, onThread: true): Promise<unknown>;
  private readOpenModel(modelDir: string, onThread = false): unknown {
    const file = join(modelDir, OPEN_MODEL);
    const defaults = this.ps.parseArgs(null, this.ps.psArgs(), 0, [], 1);
    const checked = (model: unknown) => {
      if (defaults) this.ps.freeConfig(defaults);
      if (!model) throw new RecognizerUnavailable(`PocketSphinx could not read ${file}; ${INSTALL_HINT}`);
      return model;
    };
    if (!defaults || !this.logMath) return checked(null);
    return onThread
      ? this.ps.readModelAsync(defaults, file, NGRAM_AUTO, this.logMath).then(checked, (error: unknown) => {
          this.ps.freeConfig(defaults);
          throw error;
        })
      : checked(this.ps.readModel(defaults, file, NGRAM_AUTO, this.logMath));
  }

  /**
   * Dictionaries cut down to the words each decoder can use, from the cache or made now: the skill's words
   * (domain decoder), and those plus the open model's most frequent words (mixed and free). Words outside a
   * decoder's model are never searched, so cutting them changes nothing heard; the open model's rarest
   * words are left out on purpose, since each costs start-up time and memory (docs/voice.md).
   */
  private dictionaries(
    modelDir: string,
    vocabulary: readonly string[],
    cacheFolder: string | undefined,
  ): CachedFiles {
    const dictionary = join(modelDir, "cmudict-en-us.dict");
    const inputs = {
      code: DICTIONARY_CODE,
      dictionary: fileStamp(dictionary),
      openModel: fileStamp(join(modelDir, OPEN_MODEL)),
      openWords: OPEN_WORDS,
      vocabulary,
    };
    return cachedFiles(
      "pocketsphinx-dictionaries",
      inputs,
      () => {
        const entries = readFileSync(dictionary, "utf8");
        const openWords = new Set([...vocabulary, ...this.frequentWords(modelDir, OPEN_WORDS)]);
        return {
          "skill.dict": dictionaryFor(entries, new Set(vocabulary)),
          "open.dict": dictionaryFor(entries, openWords),
        };
      },
      cacheFolder,
    );
  }

  /** The open model's `count` most probable words. */
  private frequentWords(modelDir: string, count: number): string[] {
    const model = this.readOpenModel(modelDir);
    try {
      const scored: Array<{ word: string; score: number }> = [];
      for (let wid = 0; ; wid++) {
        const word = this.ps.modelWord(model, wid);
        if (word === null) break;
        scored.push({ word, score: this.ps.unigramScore(model, wid, null, 0, [0]) });
      }
      return scored
        .sort((a, b) => b.score - a.score || (a.word < b.word ? -1 : 1))
        .slice(0, count)
        .map(({ word }) => word);
    } finally {
      this.ps.freeModel(model);
    }
  }

  private cannotSearch(): RecognizerUnavailable {
    return new RecognizerUnavailable("PocketSphinx could not search with its language models");
  }

  /** Gives a decoder a language model already read (none: the one just given), and searches with it. */
  private useModel(ps: unknown, model: unknown, name: string): void {
    if ((model !== undefined && this.ps.setModel(ps, name, model) !== 0) || this.ps.setSearch(ps, name) !== 0)
      throw this.cannotSearch();
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

  /** Gives the decoder `ps` a language model that is the domain's and the open one's, interpolated. */
  private async mix(
    ps: unknown,
    domainFile: string,
    openModel: unknown,
    vocabulary: readonly string[],
  ): Promise<void> {
    // The skill's words must be in the dictionary before the model that uses them arrives.
    this.teachWords(ps, vocabulary, false);
    const domainModel = this.ps.readModel(this.ps.config(ps), domainFile, NGRAM_AUTO, this.ps.logMath(ps));
    if (!domainModel)
      throw new RecognizerUnavailable(`PocketSphinx could not read ${domainFile}; ${INSTALL_HINT}`);
    try {
      // The open model first: sphinxbase sizes the set's word table by its first model's vocabulary.
      const weights = new Float32Array([1 - DOMAIN_WEIGHT, DOMAIN_WEIGHT]);
      const models = [openModel, domainModel];
      const mixed = await this.ps.interpolateAsync(
        this.ps.config(ps),
        models,
        ["open", "domain"],
        weights,
        models.length,
      );
      // The set and the search keep their own references: ours are dropped once they hold theirs.
      const failed = !mixed || (await this.ps.setModelAsync(ps, "mixed", mixed)) !== 0;
      if (mixed) this.ps.freeModel(mixed);
      if (failed) throw this.cannotSearch();
      this.useModel(ps, undefined, "mixed");
    } finally {
      this.ps.freeModel(domainModel);
    }
  }

  start(): RecognitionStream {
    if (this.closed) throw new RecognizerUnavailable("the PocketSphinx recognizer was closed");
    const { ps, first, lanes } = this;
    const endpointer = new Endpointer();
    let partial: string | undefined;
    // Each lane's decoder, looked up when the lane gets to it (the open ones are built on their lanes), and
    // how its calls take turns: the open ones' with each other.
    const alone = <T>(task: () => T | Promise<T>) => task();
    const work: Array<[Lane, () => unknown, typeof alone]> = [
      [lanes.first, () => first, alone],
      [lanes.mixed, () => this.mixed, this.scoringOpen],
      [lanes.free, () => this.free, this.scoringOpen],
    ];
    const shown = () => this.mixed ?? first;
    for (const [lane, decoderOf, turn] of work)
      lane.run(() => {
        const decoder = decoderOf();
        if (!this.closed && decoder !== undefined) return turn(() => ps.startUtt(decoder));
      });
    const hypothesis = (decoder: unknown): Hypothesis => {
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
        for (const [lane, decoderOf, turn] of work) {
          lane.run(() => {
            const decoder = decoderOf();
            if (this.closed || decoder === undefined) return;
            return turn(async () => {
              await ps.processRawAsync(decoder, samples, samples.length, 0, 0);
              if (decoder === shown() && !this.closed) partial = ps.getHyp(decoder, [0]) ?? undefined;
            });
          });
        }
        // Measured here only for the fits (per frame of speech); the listen loop decides the end.
        endpointer.accept(chunk);
        return partial === undefined ? {} : { partial };
      },
      finish: async (): Promise<Transcript> => {
        // Each decoder's hypothesis is taken on its lane as its utterance ends: the next stream's utterance
        // may start on the lane as soon as this task is over, and its words must not be read as this one's.
        // (A hypothesis can be scored anew, the mixed decoder's best path: in turn, too.)
        const [firstHeard, open, free] = await Promise.all(
          work.map(([lane, decoderOf, turn]) =>
            lane.run(() => {
              const decoder = decoderOf();
              if (this.closed || decoder === undefined) return undefined;
              return turn(async () => {
                await ps.endUttAsync(decoder);
                return this.closed ? undefined : hypothesis(decoder);
              });
            }),
          ),
        );
        await this.built;
        if (this.closed || firstHeard === undefined) return NOTHING_HEARD;
        if (open === undefined || free === undefined) {
          const { text, score } = firstHeard;
          return transcriptOf(text === "" ? [] : [{ text, source: "open", score, confidence: 1 }]);
        }
        // Per 10 ms frame of speech, so silence around a short "stop" costs nothing.
        const speechFrames = Math.max(1, endpointer.speechDurationMs / 10);
        const read = (source: "open" | "domain", { text, score }: Hypothesis): Reading | undefined => {
          if (text === "") return undefined;
          return {
            text,
            source,
            score,
            confidence: confidenceOf(source, (score - free.score) / speechFrames),
          };
        };
        const readings = [read("open", open), read("domain", firstHeard)].filter(
          (reading) => reading !== undefined,
        );
        // Nothing but silence: no decoder found a word in it.
        return transcriptOf(free.text === "" && readings.length === 0 ? [] : readings);
      },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const { first } = this;
    // Each decoder is freed once its lane is idle: a call under way on another thread (or the decoder's
    // building) finishes first. Without a twin, the open ones in turn: each drops a reference to the model
    // they share.
    const freeOpen = (key: "mixed" | "free") =>
      this.lanes[key].run(() =>
        this.scoringOpen(() => {
          if (this[key] !== undefined) this.ps.free(this[key]);
          this[key] = undefined;
        }),
      );
    // After both are built: freeing one while the other takes its reference would race on the count.
    const openFreed = this.built
      .catch(() => undefined)
      .then(() => Promise.all([freeOpen("mixed"), freeOpen("free")]))
      .then(async () => {
        // Then the twin, and the model whose memory it shares.
        this.twin?.release();
        this.twin = undefined;
        const model = await this.openModel?.catch(() => undefined);
        if (model) this.ps.freeModel(model);
        this.openModel = undefined;
      });
    const freed = [this.lanes.first.run(() => this.ps.free(first)), openFreed];
    // Only then the log tables: the shared open model, gone with the last decoder, was read with them.
    void Promise.allSettled(freed).then(() => {
      if (this.logMath) this.ps.logMathFree(this.logMath);
    });
  }
}
