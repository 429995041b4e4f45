/**
 * Spots a few short phrases ("stop", the wake word) in short utterances: PocketSphinx's keyphrase search on
 * a decoder and a lane of its own, which scores each phrase's phones against a loop of every phone and
 * reports a phrase when it fits far better. It needs no language model, so it hears a word the skill's
 * decoders read as another ("stop" as "shot" or "skill" over an answer's echo). It also hears phrases in
 * words that only sound alike, so what it spots is a hint for the caller to weigh (barge-in.ts), never a
 * command on its own.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cachedFiles } from "./model-cache.js";
import { DEFAULT_POCKETSPHINX_MODEL, dither } from "./pocketsphinx.js";
import {
  cmuDictionary,
  keyphraseDecoder,
  Lane,
  type PocketSphinxLibrary,
  pocketSphinxLibrary,
} from "./pocketsphinx-library.js";
import { DICTIONARY_CODE, dictionaryFor } from "./pronunciations.js";
import { RecognizerUnavailable } from "./types.js";

/**
 * How much better a phrase must fit than the phone loop (PocketSphinx's -kws_threshold, a likelihood
 * ratio). Lenient: over answers' echo, "stop" by six voices was spotted 139 times in 144 at 1e-40, 115 at
 * 1e-20 (docs/voice.md, Interrupting); the caller turns down what the rest of the utterance contradicts.
 */
export const SPOT_THRESHOLD = 1e-40;

const SEARCH = "spot";

/** A phrase spotted, and how long it took to say (10 ms frames, from the search's alignment). */
export interface Spotted {
  readonly phrase: string;
  readonly ms: number;
}

/** One utterance: audio in, and at its end the longest phrase spotted in it, if any. */
export interface SpotStream {
  accept(chunk: Int16Array): void;
  finish(): Promise<Spotted | undefined>;
}

export interface Spotter {
  start(): SpotStream;
}

export class KeyphraseSpotter implements Spotter {
  /** The phrases listened for: those whose every word the CMU dictionary knows. */
  readonly phrases: readonly string[];
  private readonly ps: PocketSphinxLibrary;
  private readonly lane = new Lane();
  private decoder: unknown;
  private readonly built: Promise<void>;
  private closed = false;

  constructor(phrases: readonly string[], modelDir = DEFAULT_POCKETSPHINX_MODEL) {
    this.ps = pocketSphinxLibrary();
    const wanted = [...new Set(phrases.map((phrase) => phrase.toLowerCase().trim().replace(/\s+/g, " ")))];
    const inputs = {
      code: [DICTIONARY_CODE, listFor].map(String).join("\n"),
      wanted,
      threshold: SPOT_THRESHOLD,
    };
    const files = cachedFiles("pocketsphinx-spot", inputs, () => listFor(wanted, cmuDictionary(modelDir)));
    this.phrases = readFileSync(files.path("spot.kws"), "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.replace(/ \/.*\/$/, ""));
    const argv = ["-hmm", join(modelDir, "en-us"), "-dict", files.path("spot.dict")];
    this.built = this.lane
      .run(async () => {
        if (this.phrases.length === 0)
          throw new RecognizerUnavailable(`none of ${wanted.join(", ")} is in PocketSphinx's dictionary`);
        const decoder = await keyphraseDecoder(this.ps, modelDir, argv, {
          name: SEARCH,
          kwsFile: files.path("spot.kws"),
          phrases: this.phrases.join(", "),
        });
        if (this.closed) this.ps.free(decoder);
        else this.decoder = decoder;
      })
      .finally(() => files.release());
    this.built.catch(() => undefined);
  }

  /** Resolves once the decoder is built; rejects, saying what is missing, if it could not be. */
  ready(): Promise<void> {
    return this.built;
  }

  start(): SpotStream {
    // The longest phrase spotted so far: the first part of "samantha" can pass for "stop" too.
    let spotted: Spotted | undefined;
    let started = false;
    this.lane.run(() => {
      if (this.closed || this.decoder === undefined) return;
      this.ps.startUtt(this.decoder);
      started = true;
    });
    const look = (decoder: unknown) => {
      if (!this.ps.getHyp(decoder, [0])) return;
      // Walked to its end, where ps_seg_next frees the iterator.
      for (let segment = this.ps.segments(decoder); segment; segment = this.ps.nextSegment(segment)) {
        const [first, last] = [[0], [0]];
        this.ps.segmentFrames(segment, first, last);
        const ms = ((last[0] ?? 0) - (first[0] ?? 0) + 1) * 10;
        const phrase = this.ps.segmentWord(segment)?.trim();
        if (phrase && ms > (spotted?.ms ?? 0)) spotted = { phrase, ms };
      }
    };
    return {
      accept: (chunk) => {
        const samples = dither(chunk);
        this.lane.run(async () => {
          const { decoder } = this;
          if (!started || this.closed || decoder === undefined) return;
          await this.ps.processRawAsync(decoder, samples, samples.length, 0, 0);
          if (!this.closed) look(decoder);
        });
      },
      finish: () =>
        this.lane.run(async () => {
          const { decoder } = this;
          if (!started || this.closed || decoder === undefined) return undefined;
          await this.ps.endUttAsync(decoder);
          if (!this.closed) look(decoder);
          return spotted;
        }),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lane.run(() => {
      if (this.decoder !== undefined) this.ps.free(this.decoder);
      this.decoder = undefined;
    });
  }
}

/**
 * The spotter's dictionary (the phrases' words alone) and its list of keyphrases, one a line with the
 * threshold: only the phrases whose every word `entries` (the CMU dictionary) knows.
 */
export function listFor(
  phrases: readonly string[],
  entries: string,
): { "spot.dict": string; "spot.kws": string } {
  const words = new Set(phrases.flatMap((phrase) => phrase.split(" ")));
  const dictionary = dictionaryFor(entries, words);
  const known = new Set(dictionary.split("\n").map((line) => line.split(" ")[0]));
  const listed = phrases.filter((phrase) => phrase.split(" ").every((word) => known.has(word)));
  return {
    "spot.dict": dictionary,
    "spot.kws": listed.map((phrase) => `${phrase} /${SPOT_THRESHOLD}/\n`).join(""),
  };
}
