/**
 * Recordings the fixture model can hear: the fixture's words "spoken" as their tones (16 kHz mono 16-bit
 * WAV), with silence around and between words, and the intent each should reach.
 */
import wavefile from "wavefile";
import { MFCC, SPELLINGS, TONE_FREQUENCIES } from "./phonetics.js";

export interface Sample {
  readonly file: string;
  /** The fixture words said, in order. */
  readonly words: readonly string[];
  /** The intent the skill answers with, grammar mode and open vocabulary alike. */
  readonly intent: string;
}

export const SAMPLES: readonly Sample[] = [
  { file: "yes.wav", words: ["yes"], intent: "AMAZON.YesIntent" },
  { file: "no.wav", words: ["no"], intent: "AMAZON.NoIntent" },
  { file: "help.wav", words: ["help"], intent: "AMAZON.HelpIntent" },
  { file: "stop.wav", words: ["stop"], intent: "AMAZON.StopIntent" },
  { file: "repeat.wav", words: ["repeat"], intent: "AMAZON.RepeatIntent" },
  { file: "who-directed-her.wav", words: ["who", "directed", "her"], intent: "OverviewIntent" },
  // In no skill phrase: [unk] in grammar mode, "banana" in the open vocabulary; Fallback either way.
  { file: "banana.wav", words: ["banana"], intent: "AMAZON.FallbackIntent" },
];

const TONE_MS = 180;
const GAP_MS = 150;
const LEAD_MS = 300;
const TAIL_MS = 500;
const FADE_MS = 10;
const AMPLITUDE = 0.3 * 32_767;

const samplesOf = (ms: number) => Math.round((MFCC.sampleRate * ms) / 1000);

/**
 * The words as tones: each word's tones back to back with a continuous phase (no click between them),
 * faded in and out at the word's edges, silence between words and around the whole.
 */
export function synthesizeWords(words: readonly string[]): Int16Array {
  const parts: number[] = new Array(samplesOf(LEAD_MS)).fill(0);
  words.forEach((word, index) => {
    if (index > 0) parts.push(...new Array<number>(samplesOf(GAP_MS)).fill(0));
    const tones = SPELLINGS[word];
    if (!tones) throw new Error(`the fixture vocabulary has no word "${word}"`);
    const length = samplesOf(TONE_MS) * tones.length;
    const fade = samplesOf(FADE_MS);
    let phase = 0;
    for (let n = 0; n < length; n++) {
      const frequency = TONE_FREQUENCIES[(tones[Math.floor(n / samplesOf(TONE_MS))] ?? 1) - 1] ?? 0;
      phase += (2 * Math.PI * frequency) / MFCC.sampleRate;
      const edge = Math.min(1, n / fade, (length - 1 - n) / fade);
      parts.push(Math.round(AMPLITUDE * edge * Math.sin(phase)));
    }
  });
  parts.push(...new Array<number>(samplesOf(TAIL_MS)).fill(0));
  return Int16Array.from(parts);
}

/** A 16 kHz mono 16-bit WAV file's bytes. */
export function wavBytes(pcm: Int16Array): Uint8Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, MFCC.sampleRate, "16", pcm);
  return wav.toBuffer();
}

/** samples/expected.tsv: each file and the intent it should reach. */
export function expectedTsv(): string {
  return SAMPLES.map((sample) => `${sample.file}\t${sample.intent}\n`).join("");
}
