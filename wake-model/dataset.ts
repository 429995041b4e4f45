/**
 * The wake-word network's examples, all synthesized on this machine: the word said by many voices (at three
 * speeds, in quiet, pink noise and babble, at several levels, over a microphone's noise floor), and other talk
 * by the same voices, with words that sound like it. Every voice, text and noise here is kept apart from what
 * bench:wake measures on (its held-out voices, talkers, license texts and babble track): see VOICES below.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { noiseScale, withNoiseUnderSpeech } from "../local-runner/audio/noise.js";
import { resample } from "../local-runner/audio/resample.js";
import { concatenated, SAMPLE_RATE } from "../local-runner/audio/wav.js";
import { type SynthVoice, synthesize } from "../local-runner/speech-out/synthesize.js";
import { FRAME_SHIFT, LogMel } from "../local-runner/wake/log-mel.js";
import { WINDOW_FRAMES } from "../local-runner/wake/network.js";
import { faq } from "../skill/faq/index.js";

/**
 * espeak-ng's variants heard in training: none of those bench:wake's held-out splits use (f1 to f4, m2 to
 * m4, m7), and whispering and robot voices left out. Each is said with two accents of its own (American,
 * and West Midlands), neither a held-out split's.
 */
const ESPEAK_VARIANTS = [
  "m1",
  "m5",
  "m6",
  "m8",
  "f5",
  "Alex",
  "Alicia",
  "Andrea",
  "Andy",
  "Annie",
  "adam",
  "anika",
  "aunty",
  "belinda",
  "benjamin",
  "boris",
  "caleb",
  "david",
  "ed",
  "edward",
  "grandma",
  "grandpa",
  "iven",
  "john",
  "klatt",
  "klatt2",
  "klatt3",
  "linda",
  "max",
  "michel",
  "norbert",
  "paul",
  "quincy",
  "rob",
  "robert",
  "shelby",
  "steph",
  "travis",
  "victor",
  "zac",
  "Lee",
  "Michael",
  "Mike",
  "Hugo",
  "Gene",
  "Storm",
];
const ESPEAK_ACCENTS = ["en-us", "en-gb-x-gbcwmd"];

/**
 * English as speakers of other languages say it: espeak-ng reading English with another language's rules,
 * each with a few of the variants. No split of bench:wake has them.
 */
const OTHER_ACCENTS = ["de", "fr", "es", "it", "nl", "pt", "pl", "sv"];
const OTHER_ACCENT_VARIANTS = ["m1", "f5", "Alex", "Annie", "klatt", "max", "linda", "ed"];

/**
 * Festival's voices made from recordings of people (diphones, clusters, HTS), none a bench:wake voice:
 * American KED, and Italian, Czech, Finnish, Russian and Catalan speakers reading English by their own
 * language's rules. Real voices, where espeak-ng's variants are one formant synthesizer's: the network then
 * hears more kinds of throat than the synthesizers' own. Debian packages festvox-kdlpc16k,
 * festvox-italp16k, festvox-itapc16k, festvox-czech-dita, festvox-czech-krb, festvox-czech-machac,
 * festvox-czech-ph, festvox-suopuhe-lj, festvox-suopuhe-mv, festvox-ru and festvox-ca-ona-hts (for
 * training only).
 */
export const RECORDED_VOICES: readonly SynthVoice[] = [
  "festival:ked_diphone",
  "festival:lp_diphone",
  "festival:pc_diphone",
  "festival:czech_dita",
  "festival:czech_krb",
  "festival:czech_machac",
  "festival:czech_ph",
  "festival:suo_fi_lj_diphone",
  "festival:hy_fi_mv_diphone",
  "festival:msu_ru_nsh_clunits",
  "festival:upc_ca_ona_hts",
];

/** Voices saying the word: espeak-ng's, the tuning split's flite SLT and AWB and festival's KAL, and the recorded ones. */
export const WORD_VOICES: readonly SynthVoice[] = [
  "flite:slt",
  "flite:awb",
  "festival:kal_diphone",
  ...RECORDED_VOICES,
  ...ESPEAK_ACCENTS.flatMap((accent) =>
    ESPEAK_VARIANTS.map((variant): SynthVoice => `espeak:${accent}+${variant}`),
  ),
  ...OTHER_ACCENTS.flatMap((accent) =>
    OTHER_ACCENT_VARIANTS.map((variant): SynthVoice => `espeak:${accent}+${variant}`),
  ),
];
/** Voices kept out of training to choose the threshold on: every sixth. */
export const isValidation = (voice: SynthVoice) => WORD_VOICES.indexOf(voice) % 6 === 5;

/**
 * Voices reading other talk: the word's voices, and festival's SLT (listen's own voice, whose talk woke the
 * keyphrase spotter most), reading all of it but the skill's answers.
 */
const SLT: SynthVoice = "festival:cmu_us_slt_arctic_hts";

/** Texts read as other talk: license texts bench:wake's held-out splits never read, and the skill's answers. */
const LICENSES = "/usr/share/common-licenses";
const TALK_TEXTS = ["Apache-2.0", "MPL-2.0", "CC0-1.0"];
/**
 * Spoken talk of other kinds (`train:wake --spoken-talk`), written for training by people who read none of
 * bench:wake's texts: everyday talk at home and among friends (talk/everyday.txt), and what a home hears from
 * screens, speakers and public life (talk/heard.txt). Tried against the false wakes left in such talk; the
 * networks trained with it woke more often at the settings held-out chose for them, so the shipped ones were
 * trained without it (docs/voice.md).
 */
const SPOKEN_TALK = ["everyday.txt", "heard.txt"];

/** Words that share sounds with "Samantha", in sentences, so that near misses are heard as other words. */
const SAMANTHA_SOUNDALIKES = [
  "We drove all night to reach Atlanta.",
  "Amanda said she would call back later.",
  "The semantic web never quite arrived.",
  "Santa left the presents by the door.",
  "He repeats the same mantra every morning.",
  "Summon the manager, please.",
  "A good Samaritan stopped to help.",
  "Sam and the others went home early.",
  "I need some answer by tonight.",
  "Montana is a very big state.",
  "The salamander hid under a rock.",
  "Cinnamon and honey on warm toast.",
  "Carlos Santana played the guitar solo.",
  "It is the same old story again.",
  "Tamara saw a manta ray at the reef.",
  "Samuel can't come to the phone.",
  "Smart answers are hard to find.",
  "The panther is a quiet hunter.",
  "Salman and Martha went to the market.",
  "Some aunts are very kind.",
];

/**
 * Words that share sounds with "stop" (the barge-in word, heard over the answer's echo), in sentences and said
 * alone: what a "stop" network must tell apart. None of them is "stop" itself.
 */
const STOP_SOUNDALIKES = [
  "Put it on the top shelf.",
  "The shop on the corner closes at six.",
  "We are out of stock again.",
  "Watch your step on the way down.",
  "That spot by the window is taken.",
  "Shut the door behind you.",
  "Don't drop the glass.",
  "He gave it one more shot.",
  "Stuff like that happens.",
  "She swapped the two seats.",
  "The clock struck ten.",
  "A stone sank to the bottom.",
  "Tell me more about it.",
  "Spotify was playing in the kitchen.",
  "The dog began to hop.",
];
const STOP_SHORT_SOUNDALIKES = [
  "Top.",
  "Shop.",
  "Shut up.",
  "Stuff.",
  "Step.",
  "Spot!",
  "Drop it.",
  "Not now.",
  "Hot!",
];

/**
 * Words that sound like `word`, to be heard as other words: in sentences of other talk, and said alone after a
 * quiet spell with the short sayings. None for a word without lists.
 */
const soundalikesOf = (
  word: string,
): { readonly sentences: readonly string[]; readonly sayings: readonly string[] } =>
  ({
    samantha: { sentences: SAMANTHA_SOUNDALIKES, sayings: [] },
    stop: { sentences: STOP_SOUNDALIKES, sayings: STOP_SHORT_SOUNDALIKES },
  })[word.toLowerCase()] ?? { sentences: [], sayings: [] };

/** True when `text` says `word` (as a word of its own). */
export const names = (text: string, word: string): boolean =>
  new RegExp(`\\b${word.replace(/[^a-z']/gi, "")}\\b`, "i").test(text);

/**
 * Short things said after a quiet spell: commands, replies and names, many beginning as the word does. Heard
 * alone after silence, a short word that starts with "s" woke the first networks (bench:wake's short sayings,
 * a list of its own); other talk holds few such. bench:wake's held-out lists share none of these.
 */
const SHORT_SAYINGS = [
  "Stop.",
  "Stop!",
  "Start.",
  "Skip.",
  "Sorry?",
  "Sure.",
  "So?",
  "Seriously?",
  "Sounds great.",
  "Say that again?",
  "Send it.",
  "Set a timer.",
  "Santa.",
  "Sam!",
  "Samuel.",
  "Sandra.",
  "Saturn.",
  "Sandals.",
  "Seventy.",
  "Sixteen.",
  "Some tea?",
  "Something else.",
  "Same here.",
  "Samba.",
  "Sonata.",
  "Cancel.",
  "Okay.",
  "Thanks.",
  "Thank you.",
  "Hello.",
  "Hi there.",
  "Yes.",
  "No.",
  "Yeah.",
  "Next.",
  "Pause.",
  "Play.",
  "Louder.",
  "Quiet.",
  "Good night.",
  "Good morning.",
  "What?",
  "Why not?",
  "Alright.",
  "Never mind.",
  "Hold on.",
  "Wait.",
  "Help.",
  "Again.",
  "Amanda.",
  "Atlanta.",
  "Banana.",
  "Montana.",
  "Mantra.",
  "Hey there.",
  "Excuse me.",
  "Oh, man.",
];
/** Short sayings per voice (times its weight), each after one to two seconds of quiet. */
const SHORT_PER_VOICE = 4;

/** What is said before the word (it ends each one) and after it. */
const BEFORE = ["", "", "", "Hey", "Okay", "Hi", "Tell me,", "Excuse me,", "Oh,"];
const AFTER = [
  "",
  "what time is it?",
  "are you there?",
  "who made this film?",
  "tell me something about the music.",
  "can you hear me?",
  "what is the weather like?",
  "play something nice.",
  "how long does it take?",
  "what did you think of it?",
];

/** One stretch of audio as log mel frames, with the window ends that hold the word's end and those that do not. */
export interface Clip {
  readonly voice: string;
  readonly frames: readonly Float32Array[];
  /** Window ends (frame indices, exclusive) labelled "the word just ended". */
  readonly positives: readonly number[];
  /** Window ends labelled "not the word". */
  readonly negatives: readonly number[];
}

/** Windows ending this many frames from the word's end are positives; further than the other bounds, negatives. */
const POSITIVE_FROM = -4;
const POSITIVE_TO = 12;
const NEGATIVE_BEFORE = -30;
const NEGATIVE_AFTER = 45;
/** Other talk is looked at every this many frames. */
const NEGATIVE_STRIDE = 3;

/** A random number generator for repeatable datasets. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The sample after the last one of speech: where synthesis of a sentence ending in the word stops speaking. */
export function speechEnd(audio: Int16Array): number {
  let peak = 0;
  for (const sample of audio) peak = Math.max(peak, Math.abs(sample));
  const bar = peak * 0.02;
  // 5 ms of audio at a time, so a stray sample of dither does not count.
  const step = SAMPLE_RATE / 200;
  for (let end = audio.length; end > step; end -= step) {
    let energy = 0;
    for (let at = end - step; at < end; at++) energy += (audio[at] as number) ** 2;
    if (Math.sqrt(energy / step) > bar) return end;
  }
  return 0;
}

const silence = (ms: number) => new Int16Array(Math.round((ms * SAMPLE_RATE) / 1000));

/** Audio sped up by `factor` (tempo and pitch, as Kaldi's speed perturbation). */
function sped(audio: Int16Array, factor: number): Int16Array {
  if (factor === 1) return audio;
  const out = resample(Float32Array.from(audio), Math.round(SAMPLE_RATE * factor), SAMPLE_RATE);
  return Int16Array.from(out, (sample) => Math.max(-32768, Math.min(32767, Math.round(sample))));
}

/** Babble of several talkers of the training talk, for training only (bench:wake has a babble track of its own). */
function babbleFrom(talk: readonly Int16Array[], length: number, random: () => number): Float64Array {
  const mixed = new Float64Array(length);
  for (let talker = 0; talker < 5; talker++) {
    const source = talk[Math.floor(random() * talk.length)] as Int16Array;
    const start = Math.floor(random() * source.length);
    for (let i = 0; i < length; i++)
      mixed[i] = (mixed[i] as number) + (source[(start + i) % source.length] as number);
  }
  return mixed;
}

/** Audio as if sampled at 8 kHz: nothing above 4 kHz. */
function narrowband(audio: Int16Array): Int16Array {
  const down = resample(Float32Array.from(audio), SAMPLE_RATE, SAMPLE_RATE / 2);
  const back = resample(down, SAMPLE_RATE / 2, SAMPLE_RATE);
  return Int16Array.from({ length: audio.length }, (_, i) =>
    Math.max(-32768, Math.min(32767, Math.round(back[i] ?? 0))),
  );
}

/** Noise begins up to this long before the words when it does not cover the whole clip. */
const NOISE_ONSET_MS = 800;

/**
 * What the microphone might hear of `audio` (a quarter of it narrowband): in quiet, pink noise or babble at
 * 5 to 20 dB SNR over the speech itself (its pauses left out, as bench:wake and bench:conversation set it),
 * at a level 0 to 24 dB down, over a noise floor of -70 to -50 dBFS. Half the noise covers the clip; the
 * other half begins up to NOISE_ONSET_MS before `wordsFrom` (the sample where the words begin), as a noise
 * that starts just before someone speaks: its onset in the network's window is then part of what it hears.
 * `inNoise`: always in pink noise or babble (half each), at 3 to 15 dB SNR.
 */
function heard(
  speech: Int16Array,
  random: () => number,
  talk: readonly Int16Array[],
  wordsFrom: number,
  inNoise = false,
): Int16Array {
  // A quarter of it through 8 kHz sampling (a 4 kHz band), as some voices and headsets are.
  const audio = random() < 0.25 ? narrowband(speech) : speech;
  const condition = inNoise ? 0.6 * random() : random();
  const snr = inNoise ? 3 + random() * 12 : 5 + random() * 15;
  const onset =
    random() < 0.5
      ? 0
      : Math.max(0, wordsFrom - Math.round(random() * NOISE_ONSET_MS * (SAMPLE_RATE / 1000)));
  const noisy = Float64Array.from(audio);
  const under = audio.subarray(onset);
  if (condition < 0.3) noisy.set(withNoiseUnderSpeech(under, "pink", snr, Math.floor(random() * 1e9)), onset);
  else if (condition < 0.6 && talk.length > 0) {
    const noise = babbleFrom(talk, under.length, random);
    const scale = noiseScale(under, noise, snr);
    for (let i = 0; i < under.length; i++)
      noisy[onset + i] = (under[i] as number) + scale * (noise[i] as number);
  }
  const gain = 10 ** (-(random() * 24) / 20);
  const floor = 32768 * 10 ** ((-70 + random() * 20) / 20) * Math.sqrt(12);
  return Int16Array.from(noisy, (sample) =>
    Math.max(-32768, Math.min(32767, Math.round(sample * gain + (random() - 0.5) * floor))),
  );
}

/** `text` said by `voice`; nothing where the engine makes no audio of it (a line of symbols, say). */
function spoken(text: string, voice: SynthVoice): Int16Array {
  try {
    return synthesize(text, voice);
  } catch {
    return new Int16Array(0);
  }
}

/**
 * Vocal tract length warping (log-mel.ts's `warp`) for the training voices' clips: each heard as if by a throat
 * up to WARP_SPREAD shorter or longer, so that the network meets more kinds of voice than were synthesized.
 * Validation clips are heard as they are.
 */
const WARP_SPREAD = 0.1;
const framesOf = (audio: Int16Array, warp = 1) => new LogMel(warp).push(audio);

/** The skill's own answers, without the sentences that name Samantha (those would be true wakes). */
export function answersWithoutTheName(): string[] {
  return faq
    .map((entry) =>
      entry.answer
        .split(/(?<=\.) /)
        .filter((sentence) => !/samantha/i.test(sentence))
        .join(" "),
    )
    .filter((answer) => answer.length > 0);
}

/** A text's paragraphs (separated by blank lines), each on one line. */
export function paragraphsOf(text: string): string[] {
  return text.split(/\n\s*\n/).map((paragraph) => paragraph.replace(/\s+/g, " ").trim());
}

/** The paragraphs of one of Debian's license texts (always installed), each on one line. */
export function licenseParagraphs(name: string): string[] {
  return paragraphsOf(readFileSync(join(LICENSES, name), "utf8"));
}

/** The voices among `voices` that make no audio: not installed, or failing. */
export function silentVoices(voices: readonly SynthVoice[]): SynthVoice[] {
  return voices.filter((voice) => spoken("Samantha, are you there?", voice).length === 0);
}

/**
 * Talk about the film, where "Her" is said at a sentence's start and end, after a pause or before one (as
 * "-tha" of "Samantha" ends): the skill's answers sentence by sentence, and the questions people ask it.
 */
function filmSentences(word: string): string[] {
  const answers = answersWithoutTheName().flatMap((answer) => answer.split(/(?<=[.?!]) /));
  const questions = faq.flatMap((entry) => entry.samples).filter((sample) => !/[{}]/.test(sample));
  return [...answers, ...questions.map((question) => `${question[0]?.toUpperCase()}${question.slice(1)}?`)]
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0 && !/samantha/i.test(sentence) && !names(sentence, word));
}

/** Sentences of other talk, none naming the word, each short enough for one synthesis. */
function talkSentences(word: string, withSpokenTalk: boolean): string[] {
  const licenses = TALK_TEXTS.flatMap((name) =>
    licenseParagraphs(name).filter((paragraph) => paragraph.split(" ").length >= 6),
  ).flatMap((paragraph) => paragraph.match(/[^.;:]+[.;:]?/g) ?? []);
  const spoken = (withSpokenTalk ? SPOKEN_TALK : [])
    .flatMap((name) => paragraphsOf(readFileSync(new URL(`talk/${name}`, import.meta.url), "utf8")))
    .flatMap((paragraph) => paragraph.match(/[^.?!]+[.?!]?/g) ?? []);
  return [...licenses, ...spoken, ...answersWithoutTheName()]
    .map((sentence) => sentence.trim().slice(0, 300))
    .filter(
      (sentence) => sentence.split(" ").length >= 4 && !/samantha/i.test(sentence) && !names(sentence, word),
    );
}

export interface DatasetOptions {
  readonly word: string;
  /** Voices saying the word (WORD_VOICES by default). */
  readonly voices?: readonly SynthVoice[];
  /** Sayings of the word per voice, each a different setting. */
  readonly perVoice: number;
  /** Minutes of other talk. */
  readonly talkMinutes: number;
  readonly seed: number;
  /** Also read SPOKEN_TALK as other talk. */
  readonly spokenTalk?: boolean;
  /**
   * Hear half the training sayings of the word in pink noise or babble at 3 to 15 dB SNR (the rest as
   * before: quiet 40%, noise at 5 to 20 dB 60%), so that 80% of them are heard in noise, and more of it
   * at low SNR; validation voices' sayings are heard as before. Other talk is heard as before.
   */
  readonly noisierWords?: boolean;
  readonly progress?: (done: string) => void;
}

/** Training and validation clips: the word's and other talk's, split by voice. */
export function dataset(options: DatasetOptions): { train: Clip[]; validation: Clip[] } {
  const random = seeded(options.seed);
  const voices = options.voices ?? WORD_VOICES;
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)] as T;
  const train: Clip[] = [];
  const validation: Clip[] = [];
  const into = (voice: SynthVoice) => (isValidation(voice) ? validation : train);
  const warpFor = (voice: SynthVoice) => {
    const warp = 1 - WARP_SPREAD + 2 * WARP_SPREAD * random();
    return isValidation(voice) ? 1 : warp;
  };
  // The recorded voices are few, and each a throat of its own: they say the word and talk three times as often.
  const weight = (voice: SynthVoice) => (RECORDED_VOICES.includes(voice) ? 3 : 1);
  const silent = silentVoices([...voices, SLT]);
  if (silent.length > 0)
    throw new Error(
      `these voices made no audio: ${silent.join(", ")}; install them (see RECORDED_VOICES in wake-model/dataset.ts for the Debian packages)`,
    );

  // Other talk first: it also makes the babble.
  const sentences = talkSentences(options.word, options.spokenTalk ?? false);
  const talkers: SynthVoice[] = [...voices.flatMap((voice) => Array(weight(voice)).fill(voice)), SLT];
  const talk: { voice: SynthVoice; said: Int16Array }[] = [];
  const answerSet = new Set(answersWithoutTheName());
  const film = filmSentences(options.word);
  const soundalikes = soundalikesOf(options.word);
  const answerSentences = new Set([...answerSet].flatMap((answer) => answer.split(/(?<=[.?!]) /)));
  let talkSamples = 0;
  for (let index = 0; talkSamples < options.talkMinutes * 60 * SAMPLE_RATE; index++) {
    const voice = talkers[index % talkers.length] as SynthVoice;
    // Of every seven sentences, one has a soundalike of the word, two talk about the film, four are other talk.
    const kind = index % 7;
    let text =
      kind === 0 && soundalikes.sentences.length > 0
        ? pick(soundalikes.sentences)
        : kind <= 2
          ? pick(film)
          : pick(sentences);
    // listen's own voice reads no answers here: bench:wake's held-out talk has it read them.
    while (voice === SLT && (answerSet.has(text) || answerSentences.has(text))) text = pick(sentences);
    const said = spoken(text, voice);
    if (said.length === 0) continue;
    talk.push({ voice, said });
    talkSamples += said.length;
  }
  options.progress?.(`other talk: ${(talkSamples / SAMPLE_RATE / 60).toFixed(1)} minutes`);
  // Babble is made of the training voices' talk alone.
  const cleanTalk = talk.filter(({ voice }) => !isValidation(voice)).map(({ said }) => said);
  /** Speech without the word, after `pause` and before `afterMs` of quiet: every window of it a negative. */
  const withoutTheWord = (voice: SynthVoice, said: Int16Array, pause: Int16Array, afterMs: number) => {
    const audio = concatenated([pause, sped(said, pick([0.9, 1, 1.1])), silence(afterMs)]);
    const frames = framesOf(heard(audio, random, cleanTalk, pause.length), warpFor(voice));
    const negatives: number[] = [];
    for (let end = WINDOW_FRAMES; end <= frames.length; end += NEGATIVE_STRIDE) negatives.push(end);
    into(voice).push({ voice, frames, positives: [], negatives });
  };
  for (const { voice, said } of talk) withoutTheWord(voice, said, silence(200 + random() * 600), 300);

  // Short sayings after a quiet spell, by the word's voices: none of them the word.
  const sayings = [...SHORT_SAYINGS, ...soundalikes.sayings].filter((saying) => !names(saying, options.word));
  for (const voice of voices)
    for (let saying = 0; saying < SHORT_PER_VOICE * weight(voice); saying++) {
      const said = spoken(pick(sayings), voice);
      if (said.length > 0) withoutTheWord(voice, said, silence(1000 + random() * 1000), 600);
    }
  options.progress?.("short sayings after a pause");

  // The word, said by each voice in several settings.
  for (const voice of voices) {
    for (let saying = 0; saying < options.perVoice * weight(voice); saying++) {
      const before = pick(BEFORE);
      const after = pick(AFTER);
      const word = options.word[0]?.toUpperCase() + options.word.slice(1);
      const ending = after === "" ? "." : pick([".", ",", "?", "!"]);
      const factor = pick([0.88, 1, 1, 1.12]);
      const withWord = sped(
        spoken(before ? `${before} ${word}${ending}` : `${word}${ending}`, voice),
        factor,
      );
      const end = speechEnd(withWord);
      if (end === 0) continue;
      // A second of quiet first, so that every window ending near the word's end is whole.
      const lead = [
        silence(1000),
        ...(random() < 0.4 ? [pick(cleanTalk), silence(150 + random() * 700)] : [silence(random() * 700)]),
      ];
      const leadSamples = lead.reduce((sum, part) => sum + part.length, 0);
      const rest = after ? [silence(40 + random() * 300), sped(spoken(after, voice), factor)] : [];
      const audio = concatenated([...lead, withWord.subarray(0, end), ...rest, silence(600)]);
      // The frame whose window ends at the word's end.
      const wordEnd = Math.round((leadSamples + end) / FRAME_SHIFT);
      // With noisierWords, half the training sayings are heard in noise whatever the draw below.
      const inNoise = options.noisierWords === true && !isValidation(voice) && random() < 0.5;
      const frames = framesOf(heard(audio, random, cleanTalk, leadSamples, inNoise), warpFor(voice));
      const positives: number[] = [];
      const negatives: number[] = [];
      for (let end = WINDOW_FRAMES; end <= frames.length; end++) {
        const from = end - wordEnd;
        if (from >= POSITIVE_FROM && from <= POSITIVE_TO) positives.push(end);
        else if ((from < NEGATIVE_BEFORE || from > NEGATIVE_AFTER) && end % NEGATIVE_STRIDE === 0)
          negatives.push(end);
      }
      into(voice).push({ voice, frames, positives, negatives });
    }
    options.progress?.(`said by ${voice}`);
  }
  return { train, validation };
}
