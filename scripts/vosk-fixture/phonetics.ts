/**
 * The fixture model's made-up language: words are spelled in pure tones instead of speech sounds, so a
 * hand-set network can tell them apart and a test can "say" them with a few lines of arithmetic. This
 * module holds the features (MFCC options), the phones and the vocabulary; the model, graphs and samples
 * are all derived from it.
 */

/** Kaldi's MFCC options for the fixture (conf/mfcc.conf). */
export const MFCC = {
  sampleRate: 16_000,
  /** As many cepstra as mel bins and no liftering: the cepstra are then an orthonormal DCT of the log mel energies. */
  melBins: 23,
  lowFreq: 20,
  highFreq: 8000,
} as const;

/** Kaldi's mel scale (feat/mel-computations.h). */
const mel = (hz: number) => 1127 * Math.log(1 + hz / 700);
const hertz = (m: number) => 700 * (Math.exp(m / 1127) - 1);

/** The centre frequency of each of Kaldi's triangular mel bins, as MelBanks lays them out. */
export function melBinCentres(): number[] {
  const low = mel(MFCC.lowFreq);
  const step = (mel(MFCC.highFreq) - low) / (MFCC.melBins + 1);
  return Array.from({ length: MFCC.melBins }, (_, bin) => hertz(low + (bin + 1) * step));
}

/**
 * The mel bins the tones sit at the centre of: three bins apart, so a tone's window leakage into its
 * neighbours never reaches another tone's bin (about 14 nats of log energy between them).
 */
export const TONE_BINS = [2, 5, 8, 11, 14, 17] as const;

/** The tones' frequencies in Hz, tone 1 first: about 280, 640, 1130, 1800, 2720 and 3970 Hz. */
export const TONE_FREQUENCIES: readonly number[] = TONE_BINS.map((bin) => melBinCentres()[bin] ?? 0);

/** Where a phone sits in its word, as Kaldi's word-position-dependent phones say it (_B, _I, _E, _S). */
const POSITIONS = ["B", "I", "E", "S"] as const;
type Position = (typeof POSITIONS)[number];

/** Kaldi's word_boundary.int names for the positions. */
const BOUNDARY: Record<Position, string> = { B: "begin", I: "internal", E: "end", S: "singleton" };

export interface Phone {
  /** The phone's symbol in phones.txt, 1-based like Kaldi's (0 is epsilon). */
  readonly id: number;
  readonly name: string;
  /** The pdf (network output) the phone's one HMM state emits: word positions of a tone share one. */
  readonly pdf: number;
  /** Its word_boundary.int entry. */
  readonly boundary: string;
}

/** Network outputs: silence, garbage (the [unk] model), then one per tone. */
export const SILENCE_PDF = 0;
export const GARBAGE_PDF = 1;
export const tonePdf = (tone: number) => 1 + tone;
export const PDF_COUNT = 2 + TONE_BINS.length;

const tonePhoneName = (tone: number, position: Position) => `T${tone}_${position}`;

/** Every phone, in phones.txt order: silence, garbage, then each tone in each word position. */
export const PHONES: readonly Phone[] = [
  { id: 1, name: "SIL", pdf: SILENCE_PDF, boundary: "nonword" },
  // The garbage phone is a one-phone word of its own ([unk]), hence a singleton.
  { id: 2, name: "GBG", pdf: GARBAGE_PDF, boundary: "singleton" },
  ...TONE_BINS.flatMap((_, index) =>
    POSITIONS.map((position, offset) => ({
      id: 3 + index * POSITIONS.length + offset,
      name: tonePhoneName(index + 1, position),
      pdf: tonePdf(index + 1),
      boundary: BOUNDARY[position],
    })),
  ),
];

export const SILENCE_PHONE = "SIL";
export const UNKNOWN_WORD = "[unk]";

/**
 * The vocabulary: each word spelled in tones (1-based), no tone twice in a row, no two words alike. All but
 * one are the skill's own words, so grammar mode reaches real intents; "banana" is in no skill phrase, so
 * in grammar mode it can only come out as [unk].
 */
export const SPELLINGS: Readonly<Record<string, readonly number[]>> = {
  yes: [1, 3],
  no: [3, 1],
  help: [2, 4],
  stop: [4, 2],
  repeat: [1, 5],
  who: [5, 3],
  directed: [2, 6, 1],
  her: [6, 4],
  banana: [3, 6, 5],
};

/** The word outside every skill phrase. */
export const OUT_OF_GRAMMAR_WORD = "banana";

/** The phones that spell a word: position-dependent, so no word's phones are a prefix of another's. */
export function pronunciation(word: string): string[] {
  if (word === UNKNOWN_WORD) return ["GBG"];
  const tones = SPELLINGS[word];
  if (!tones) throw new Error(`the fixture vocabulary has no word "${word}"`);
  if (tones.length === 1) return [tonePhoneName(tones[0] ?? 0, "S")];
  return tones.map((tone, index) =>
    tonePhoneName(tone, index === 0 ? "B" : index === tones.length - 1 ? "E" : "I"),
  );
}

/** Every word of the model, in words.txt order (after <eps>). */
export const WORDS: readonly string[] = [UNKNOWN_WORD, ...Object.keys(SPELLINGS).sort()];
