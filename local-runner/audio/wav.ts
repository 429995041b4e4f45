/**
 * WAV files in, 16 kHz mono 16-bit PCM out (what every recognizer here takes): any common rate, channel
 * count, bit depth, float, A-law, mu-law or IMA ADPCM, decoded and resampled (sinc) by the wavefile codec.
 */
import { readFileSync } from "node:fs";
import wavefile from "wavefile";

export const SAMPLE_RATE = 16_000;

export class AudioFileError extends Error {
  override readonly name = "AudioFileError";
}

export interface DecodedAudio {
  /** 16 kHz mono samples. */
  readonly pcm: Int16Array;
  readonly sourceRate: number;
  readonly sourceChannels: number;
}

const CONVERT_HINT = "convert it first, for example: sox input.mp3 -r 16000 -c 1 -b 16 output.wav";

export function readWavFile(path: string): DecodedAudio {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AudioFileError(
      code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${code ?? error})`,
    );
  }
  return decodeWav(bytes, path);
}

export function decodeWav(bytes: Uint8Array, name = "the audio"): DecodedAudio {
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (error) {
    throw new AudioFileError(`${name} is not a WAV file (${(error as Error).message}); ${CONVERT_HINT}`);
  }
  // Copied now: the conversions below rewrite the header object in place.
  const format = { ...(wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number }) };
  try {
    if (format.audioFormat === 6) wav.fromALaw();
    else if (format.audioFormat === 7) wav.fromMuLaw();
    else if (format.audioFormat === 17) wav.fromIMAADPCM();
    else if (format.audioFormat !== 1 && format.audioFormat !== 3 && format.audioFormat !== 65534) {
      throw new Error(`format code ${format.audioFormat}`);
    }
    if (format.sampleRate !== SAMPLE_RATE) wav.toSampleRate(SAMPLE_RATE, { method: "sinc", LPF: true });
    wav.toBitDepth("16");
  } catch (error) {
    throw new AudioFileError(
      `${name} uses an encoding this reader does not decode (${(error as Error).message}); ${CONVERT_HINT}`,
    );
  }
  if (format.sampleRate < 8000) {
    throw new AudioFileError(
      `${name} is sampled at ${format.sampleRate} Hz, too low for speech; record at 16 kHz or more`,
    );
  }
  const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array | Int16Array[];
  const pcm = format.numChannels > 1 ? mixDown(samples as Int16Array[]) : (samples as Int16Array);
  if (pcm.length === 0) throw new AudioFileError(`${name} holds no audio`);
  return { pcm, sourceRate: format.sampleRate, sourceChannels: format.numChannels };
}

/** 16 kHz mono samples as a 16-bit PCM WAV file. */
export function encodeWav(pcm: Int16Array, sampleRate = SAMPLE_RATE): Uint8Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, sampleRate, "16", pcm);
  return wav.toBuffer();
}

function mixDown(channels: readonly Int16Array[]): Int16Array {
  const [first] = channels;
  if (!first || channels.length === 1) return first ?? new Int16Array(0);
  const mixed = new Int16Array(first.length);
  for (let i = 0; i < first.length; i++) {
    let sum = 0;
    for (const channel of channels) sum += channel[i] ?? 0;
    mixed[i] = Math.round(sum / channels.length);
  }
  return mixed;
}
