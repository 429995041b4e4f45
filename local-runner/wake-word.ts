/**
 * Hears the wake word ("Samantha") in endless microphone audio: PocketSphinx's keyphrase spotting on a
 * decoder and a lane of its own, which scores the word's phones against a loop of every phone and fires
 * when the word fits far better. It needs no language model, so it is cheap enough to run all day, and
 * when it fires it says where the word ended, so the question said in the same breath is heard whole.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { normalizeUtterance } from "../skill/text/normalize.js";
import { SAMPLE_RATE } from "./audio/wav.js";
import { DEFAULT_WAKE_WORD } from "./barge-in.js";
import { cachedFiles } from "./recognizers/model-cache.js";
import { DEFAULT_POCKETSPHINX_MODEL } from "./recognizers/pocketsphinx.js";
import {
  INSTALL_HINT,
  Lane,
  type PocketSphinxLibrary,
  pocketSphinxLibrary,
} from "./recognizers/pocketsphinx-library.js";
import { DICTIONARY_CODE, dictionaryFor } from "./recognizers/pronunciations.js";
import { type Reading, type Recognizer, RecognizerUnavailable, transcribe } from "./recognizers/types.js";

/**
 * How much better the word must fit than the phone loop, as PocketSphinx's -kws_threshold (a likelihood
 * ratio): lenient, so that few words are missed, since every word spotted is confirmed by the recognizer
 * (confirmedBy). At 1e-20 a third of the words said clean were missed (docs/bench/wake.md).
 */
export const WAKE_THRESHOLD = 1e-50;

/**
 * Other ways English speakers say a word's sounds, as changes to one of its CMU phones (never the last):
 * the broad A of southern British English ("samaantha"), T for TH (many accents, and careful synthesis),
 * and a full vowel for an unstressed first one ("SAM-antha"). The keyphrase search only knows a word's
 * first pronunciation, so each variant is a keyphrase of its own, of a word of its own in the spotter's
 * dictionary.
 */
const PHONE_VARIANTS: readonly (readonly [from: string, to: string])[] = [
  ["AE", "AA"],
  ["TH", "T"],
  ["AH", "AE"],
];

/** Samples in one of PocketSphinx's 10 ms frames. */
const FRAME = SAMPLE_RATE / 100;
/** Audio kept from before now, to hand over what followed the word however late it was spotted. */
const KEPT_MS = 4000;
/** Audio given to the second opinion from before the spotted word's start and after its end. */
const CONFIRM_BEFORE_MS = 300;
const CONFIRM_AFTER_MS = 150;
/** The keyphrase search reports a word this many frames after its end (-kws_delay's default). */
const DETECTION_DELAY_FRAMES = 10;
/** Audio is searched this much at a time, so a word's end is known to within it. */
const STEP_SAMPLES = 2 * FRAME;
/** The search's name in the decoder. */
const SEARCH = "wake";

export interface Wake {
  /** The audio heard after the word ended: the start of the question, if one came in the same breath. */
  readonly after: Int16Array;
}

export interface WakeWordOptions {
  /** One or more words, each in the CMU dictionary ("samantha" by default). */
  readonly wakeWord?: string;
  /**
   * A second opinion on each spotted word, given the audio around it: the keyphrase search alone, lenient
   * enough not to miss the word, also hears it in other words; a full recognizer tells them apart.
   */
  readonly confirm?: (audio: Int16Array, spot: Spot) => Promise<boolean>;
}

/** A word the keyphrase search spotted, as put to the recognizer. */
export interface Spot {
  /** How much better the keyphrase fit than the phone loop (PocketSphinx's log units). */
  readonly fit: number;
  /** Where the audio given to the recognizer ends, in samples since listening began. */
  readonly end: number;
}

export class WakeWordDetector {
  readonly wakeWord: string;
  private readonly ps: PocketSphinxLibrary;
  private readonly lane = new Lane();
  private decoder: unknown;
  private readonly built: Promise<void>;
  /** False from a wake until listenAgain(): what is heard meanwhile belongs to the conversation. */
  private listening = true;
  /** Counts wakes and fresh starts, so audio queued before one is never searched after it. */
  private epoch = 0;
  private closed = false;
  /** Samples accepted since listening began, and the latest of them. */
  private accepted = 0;
  /** Samples the decoder has searched since listening began. */
  private decoded = 0;
  private kept: Int16Array[] = [];
  private keptSamples = 0;
  private wakeHandler: (wake: Wake) => void = () => undefined;

  constructor(private readonly options: WakeWordOptions) {
    this.wakeWord = (options.wakeWord ?? DEFAULT_WAKE_WORD).toLowerCase().trim().replace(/\s+/g, " ");
    const modelDir = DEFAULT_POCKETSPHINX_MODEL;
    this.ps = pocketSphinxLibrary();
    const files = this.dictionary(modelDir);
    const argv = [
      "-hmm",
      join(modelDir, "en-us"),
      "-dict",
      files.path("wake.dict"),
      "-kws_threshold",
      String(WAKE_THRESHOLD),
    ];
    const cannotStart = () =>
      new RecognizerUnavailable(
        `PocketSphinx could not start with the model in ${modelDir}; ${INSTALL_HINT}`,
      );
    const config = this.ps.parseArgs(null, this.ps.psArgs(), argv.length, argv, 1);
    if (!config) {
      files.release();
      throw cannotStart();
    }
    this.built = this.lane
      .run(async () => {
        const decoder = await this.ps.initAsync(config);
        if (!decoder) throw cannotStart();
        if (
          this.ps.setKeyphrases(decoder, SEARCH, files.path("wake.kws")) !== 0 ||
          this.ps.setSearch(decoder, SEARCH) !== 0
        ) {
          this.ps.free(decoder);
          throw new RecognizerUnavailable(`PocketSphinx could not listen for "${this.wakeWord}"`);
        }
        this.ps.startUtt(decoder);
        this.decoder = decoder;
      })
      .finally(() => files.release());
    // Reported by ready(); never an unhandled rejection meanwhile.
    this.built.catch(() => undefined);
  }

  /** Told once per wake, with the audio after the word; the detector then waits for listenAgain(). */
  onWake(handler: (wake: Wake) => void): void {
    this.wakeHandler = handler;
  }

  /** Resolves once the decoder is built; rejects, saying what to install, if it could not be. */
  ready(): Promise<void> {
    return this.built;
  }

  /** Microphone audio, in chunks of any size; ignored from a wake until listenAgain(). */
  accept(chunk: Int16Array): void {
    if (this.closed) return;
    const samples = dither(chunk);
    // Kept after a wake too: it is the question's start.
    this.keep(samples);
    this.accepted += samples.length;
    if (!this.listening) return;
    const { epoch } = this;
    this.lane.run(async () => {
      for (let offset = 0; offset < samples.length; offset += STEP_SAMPLES) {
        const { decoder } = this;
        if (this.closed || epoch !== this.epoch || decoder === undefined) return;
        const step = samples.subarray(offset, offset + STEP_SAMPLES);
        await this.ps.processRawAsync(decoder, step, step.length, 0, 0);
        this.decoded += step.length;
        if (!this.closed && epoch === this.epoch && this.ps.getHyp(decoder, [0])) await this.spotted(decoder);
      }
    });
  }

  /** Resolves once the audio accepted so far has been searched (and any word spotted in it confirmed). */
  searched(): Promise<void> {
    return this.lane.run(() => undefined);
  }

  /** Listens for the wake word afresh, forgetting what was heard before (the conversation it began is over). */
  listenAgain(): void {
    if (this.closed) return;
    this.epoch++;
    this.listening = true;
    this.accepted = 0;
    this.kept = [];
    this.keptSamples = 0;
    this.lane.run(async () => {
      this.decoded = 0;
      if (this.decoder !== undefined && !this.closed) await this.restart(this.decoder);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lane.run(() => {
      if (this.decoder !== undefined) this.ps.free(this.decoder);
      this.decoder = undefined;
    });
  }

  /**
   * The word was spotted. Confirmed, the audio accepted after its last frame is handed over; turned down,
   * the search goes on from here. The lane waits meanwhile, so nothing heard is skipped.
   */
  private async spotted(decoder: unknown): Promise<void> {
    // The segment's frames are counted from a point of the library's own after a few seconds, so only its
    // length is taken: the search reports the word a fixed delay after its end. Where several of the word's
    // pronunciations were spotted at once, the longest.
    let frames = 0;
    let fit = Number.NEGATIVE_INFINITY;
    for (let segment = this.ps.segments(decoder); segment; segment = this.ps.nextSegment(segment)) {
      const [first, last] = [[0], [0]];
      this.ps.segmentFrames(segment, first, last);
      frames = Math.max(frames, (last[0] ?? 0) - (first[0] ?? 0) + 1);
      fit = Math.max(fit, this.ps.segmentProbability(segment, [0], [0], [0]));
    }
    const end = this.decoded - DETECTION_DELAY_FRAMES * FRAME;
    const start = end - frames * FRAME;
    const { confirm } = this.options;
    const word = this.between(start - CONFIRM_BEFORE_MS * 16, end + CONFIRM_AFTER_MS * 16);
    const confirmed =
      !confirm || (await confirm(word, { fit, end: end + CONFIRM_AFTER_MS * 16 }).catch(() => false));
    if (this.closed) return;
    if (!confirmed) return this.restart(decoder);
    this.woke(end);
  }

  /** Woken: the audio after the word's end is handed over, and nothing more is searched until listenAgain(). */
  private woke(end: number): void {
    this.epoch++;
    this.listening = false;
    this.wakeHandler({ after: this.between(end, this.accepted) });
  }

  /** A new utterance from the audio decoded so far: the search forgets what it spotted. */
  private async restart(decoder: unknown): Promise<void> {
    await this.ps.endUttAsync(decoder);
    this.ps.startUtt(decoder);
  }

  private keep(samples: Int16Array): void {
    this.kept.push(samples);
    this.keptSamples += samples.length;
    const limit = (KEPT_MS * SAMPLE_RATE) / 1000;
    while (this.kept.length > 1 && this.keptSamples - (this.kept[0]?.length ?? 0) >= limit)
      this.keptSamples -= this.kept.shift()?.length ?? 0;
  }

  /** The samples accepted from `from` to `to` (counted from the utterance's start), as far as they are kept. */
  private between(from: number, to: number): Int16Array {
    const all = new Int16Array(this.keptSamples);
    let offset = 0;
    for (const chunk of this.kept) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    const first = this.accepted - this.keptSamples;
    return all.slice(Math.max(0, from - first), Math.max(0, Math.min(this.accepted, to) - first));
  }

  /**
   * The spotter's dictionary (the wake word's words and their variants alone) and its list of keyphrases,
   * made from the CMU dictionary once and cached.
   */
  private dictionary(modelDir: string) {
    const words = this.wakeWord.split(" ");
    const source = join(modelDir, "cmudict-en-us.dict");
    const code = [DICTIONARY_CODE, keyphrasesFor, variantsOf].map(String).join("\n");
    const inputs = { code, words, variants: PHONE_VARIANTS, threshold: WAKE_THRESHOLD };
    const files = cachedFiles("pocketsphinx-wake", inputs, () => {
      let entries: string;
      try {
        entries = readFileSync(source, "utf8");
      } catch {
        throw new RecognizerUnavailable(
          `the PocketSphinx English model is missing (${source}); ${INSTALL_HINT}`,
        );
      }
      const { dictionary, keyphrases } = keyphrasesFor(this.wakeWord, dictionaryFor(entries, new Set(words)));
      return { "wake.dict": dictionary, "wake.kws": keyphrases };
    });
    if (readFileSync(files.path("wake.kws"), "utf8") === "") {
      const known = new Set(
        readFileSync(files.path("wake.dict"), "utf8")
          .split("\n")
          .map((line) => line.split(" ")[0]),
      );
      files.release();
      throw new UnknownWakeWord(
        `"${words.filter((word) => !known.has(word)).join(" ")}" is not in PocketSphinx's English dictionary, so it cannot be listened for; pick another --wake-word`,
      );
    }
    return files;
  }
}

/**
 * The spotter's dictionary and keyphrase list for `phrase`, given the CMU dictionary's lines (for its words):
 * every pronunciation the dictionary gives and every variant of it (variantsOf) is a word of its own
 * ("samantha", "samantha_2", ...), and the phrase is listened for with each of its words said each way in
 * turn, the others as the dictionary says them first. An empty list when a word is not in the dictionary.
 */
export function keyphrasesFor(
  phrase: string,
  entries: string,
): { readonly dictionary: string; readonly keyphrases: string } {
  const words = phrase.split(" ");
  const pronunciations = new Map<string, string[]>();
  for (const line of entries.split("\n")) {
    const [entry, ...phones] = line.trim().split(/\s+/);
    const word = entry?.replace(/\(\d+\)$/, "");
    if (!word || !words.includes(word) || phones.length === 0) continue;
    const known = pronunciations.get(word) ?? [];
    for (const said of [phones.join(" "), ...variantsOf(phones)]) if (!known.includes(said)) known.push(said);
    pronunciations.set(word, known);
  }
  if (words.some((word) => !pronunciations.has(word))) return { dictionary: "", keyphrases: "" };
  const spelled = (word: string, index: number) => (index === 0 ? word : `${word}_${index + 1}`);
  const dictionary = [...pronunciations].flatMap(([word, ways]) =>
    ways.map((phones, index) => `${spelled(word, index)} ${phones}`),
  );
  const phrases = new Set([phrase]);
  for (const [position, word] of words.entries())
    for (const index of (pronunciations.get(word) ?? []).keys())
      phrases.add(words.map((other, at) => (at === position ? spelled(word, index) : other)).join(" "));
  const keyphrases = [...phrases].map((line) => `${line} /${WAKE_THRESHOLD}/`);
  return { dictionary: `${dictionary.join("\n")}\n`, keyphrases: `${keyphrases.join("\n")}\n` };
}

/** The pronunciations PHONE_VARIANTS make of `phones` (CMU phones, stress marks ignored), one change each. */
export function variantsOf(phones: readonly string[]): string[] {
  const variants: string[] = [];
  for (const [position, phone] of phones.entries()) {
    if (position === phones.length - 1) continue;
    for (const [from, to] of PHONE_VARIANTS)
      if (phone.replace(/\d$/, "") === from)
        variants.push(phones.map((other, at) => (at === position ? to : other)).join(" "));
  }
  return variants;
}

export class UnknownWakeWord extends Error {
  override readonly name = "UnknownWakeWord";
}

/** The samples plus or minus one, the same for the same audio: exact digital silence upsets PocketSphinx. */
function dither(chunk: Int16Array): Int16Array {
  const out = new Int16Array(chunk.length);
  let state = 1;
  for (let i = 0; i < chunk.length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    out[i] = Math.max(-32768, Math.min(32767, (chunk[i] as number) + (state & 0x10000 ? 1 : -1)));
  }
  return out;
}

/**
 * Confidence a constrained reading of the word needs: the skill's sentences name Samantha, so the domain
 * decoder hears her in other talk now and then (up to 0.76 on the tuning talk), where the open decoder
 * never did.
 */
const DOMAIN_CONFIDENCE = 0.85;

/**
 * Whether readings of the audio around a spotted word hold the wake word: its open reading does, or a
 * reading of the skill's sentences does with high confidence.
 */
export function wakeWordHeard(readings: readonly Reading[], wakeWord = DEFAULT_WAKE_WORD): boolean {
  const wanted = ` ${normalizeUtterance(wakeWord)} `;
  return readings.some(
    (reading) =>
      ` ${normalizeUtterance(reading.text)} `.includes(wanted) &&
      (reading.source !== "domain" || reading.confidence >= DOMAIN_CONFIDENCE),
  );
}

/**
 * The second opinion of the full recognizer (wakeWordHeard); `observe` is told every verdict with the
 * readings it came from (the benchmark's record).
 */
export function confirmedBy(
  recognizer: Recognizer,
  wakeWord = DEFAULT_WAKE_WORD,
  observe?: (readings: readonly Reading[], confirmed: boolean) => void,
) {
  return async (audio: Int16Array): Promise<boolean> => {
    const { readings } = await transcribe(recognizer, audio);
    const confirmed = wakeWordHeard(readings, wakeWord);
    observe?.(readings, confirmed);
    return confirmed;
  };
}
