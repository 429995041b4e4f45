/**
 * WAV files in, 16 kHz mono 16-bit PCM out (what every recognizer here takes): 8 to 384 kHz, 1 to 8
 * channels, 8/16/24/32-bit PCM, float, A-law, mu-law or IMA ADPCM, up to two minutes. The header is checked
 * before any sample is converted, so a damaged or hostile file is refused at once instead of costing
 * minutes of CPU and all the memory (a header claiming 1 Hz would otherwise be resampled 16,000-fold).
 */
import { readFileSync, statSync } from "node:fs";
import wavefile from "wavefile";
import { resample } from "./resample.js";

export const SAMPLE_RATE = 16_000;

/** Telephone speech; below it the words themselves are gone. */
export const MIN_SOURCE_RATE = 8_000;
/** The highest rate studio recorders write; a header claiming more is damaged. */
export const MAX_SOURCE_RATE = 384_000;
/** 7.1 surround; more is not a recording of someone asking a question. */
export const MAX_CHANNELS = 8;
/**
 * A question takes seconds (Alexa stops listening after about eight); two minutes leaves room for a
 * recording started early and stopped late, and bounds the work: at most 46 million frames to read.
 */
export const MAX_RECORDING_SECONDS = 120;

/**
 * Checked before a file is read into memory: two minutes of 192 kHz stereo float (184 MB) fits; a file
 * larger than this is either not one question or not audio.
 */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

export class AudioFileError extends Error {
  override readonly name = "AudioFileError";
}

export interface DecodedAudio {
  /** 16 kHz mono samples. */
  readonly pcm: Int16Array;
  readonly sourceRate: number;
  readonly sourceChannels: number;
}

const CONVERT = "sox input.wav -r 16000 -c 1 -b 16 output.wav";
const CONVERT_HINT = "convert it first, for example: sox input.mp3 -r 16000 -c 1 -b 16 output.wav";

const PCM = 1;
const FLOAT = 3;
const A_LAW = 6;
const MU_LAW = 7;
const IMA_ADPCM = 17;
const EXTENSIBLE = 65534;

/** Bits per sample each encoding is decoded with; anything else is refused before decoding. */
const DECODABLE: Record<number, readonly number[]> = {
  [PCM]: [8, 16, 24, 32],
  [FLOAT]: [32, 64],
  [A_LAW]: [8],
  [MU_LAW]: [8],
  [IMA_ADPCM]: [4],
};
const ENCODING_NAMES: Record<number, string> = {
  [PCM]: "PCM",
  [FLOAT]: "float",
  [A_LAW]: "A-law",
  [MU_LAW]: "mu-law",
  [IMA_ADPCM]: "IMA ADPCM",
};

/**
 * Writers that cannot seek back (espeak-ng --stdout, sox or arecord to a pipe) put a placeholder near 2 GiB
 * in the data length; such a file holds what it holds, and is not cut short.
 */
const UNKNOWN_LENGTH = 0x7f00_0000;

/** The fields of wavefile's `fmt` and `data` chunks read here (its types declare them as `object`). */
interface WavFields {
  readonly container: string;
  readonly fmt: {
    readonly audioFormat: number;
    readonly numChannels: number;
    readonly sampleRate: number;
    readonly bitsPerSample: number;
    readonly subformat?: readonly number[];
  };
  readonly data: { readonly chunkSize: number; readonly samples: Uint8Array };
}

interface Layout {
  readonly encoding: number;
  readonly channels: number;
  readonly rate: number;
  readonly bits: number;
}

export function readWavFile(path: string): DecodedAudio {
  // Measured first: a file too large to be one question is refused before it fills memory.
  const size = onFile(path, () => statSync(path).size);
  if (size > MAX_FILE_BYTES) {
    const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
    throw new AudioFileError(
      `${path} is ${megabytes(size)}, more than a question needs (${megabytes(MAX_FILE_BYTES)} at most); ` +
        `keep the part with the question, e.g. the first 10 seconds: ${CONVERT} trim 0 10`,
    );
  }
  return decodeWav(
    onFile(path, () => readFileSync(path)),
    path,
  );
}

/** A file system call whose failure becomes an AudioFileError naming the file. */
function onFile<T>(path: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AudioFileError(
      code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${code ?? error})`,
    );
  }
}

export function decodeWav(bytes: Uint8Array, name = "the audio"): DecodedAudio {
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (error) {
    throw new AudioFileError(`${name} is not a WAV file (${(error as Error).message}); ${CONVERT_HINT}`);
  }
  const fields = wav as unknown as WavFields;
  const layout = checkedLayout(fields, name);
  const [data, dataLayout] = pcmOf(wav, fields, layout, name);
  const mono = monoSamples(data, dataLayout, fields.container === "RIFX");
  const pcm = toInt16(resample(mono, layout.rate, SAMPLE_RATE));
  if (pcm.length === 0) throw new AudioFileError(`${name} holds no audio`);
  return { pcm, sourceRate: layout.rate, sourceChannels: layout.channels };
}

/** The data chunk as PCM or float bytes, and their layout: companded and ADPCM audio decoded first. */
function pcmOf(
  wav: InstanceType<typeof wavefile.WaveFile>,
  fields: WavFields,
  layout: Layout,
  name: string,
): [Uint8Array, Layout] {
  const { encoding } = layout;
  if (encoding === PCM || encoding === FLOAT) {
    // Not past the declared length: a pad byte after odd-sized data is not a sample.
    return [
      fields.data.samples.subarray(0, Math.min(fields.data.chunkSize, fields.data.samples.length)),
      layout,
    ];
  }
  try {
    if (encoding === A_LAW) wav.fromALaw();
    else if (encoding === MU_LAW) wav.fromMuLaw();
    else wav.fromIMAADPCM();
  } catch (error) {
    throw new AudioFileError(
      `${name} could not be decoded (${(error as Error).message}); convert it: ${CONVERT}`,
    );
  }
  return [fields.data.samples, { ...layout, encoding: PCM, bits: 16 }];
}

/** What the header says, refused with the reason and a fix unless it is a recording this reader can take. */
function checkedLayout({ fmt, data }: WavFields, name: string): Layout {
  const { numChannels: channels, sampleRate: rate, bitsPerSample: bits } = fmt;
  // WAVE_FORMAT_EXTENSIBLE names the real encoding in the first field of its sub-format GUID.
  const encoding = fmt.audioFormat === EXTENSIBLE ? (fmt.subformat?.[0] ?? 0) : fmt.audioFormat;
  if (rate < MIN_SOURCE_RATE) {
    throw new AudioFileError(
      `${name} is sampled at ${rate} Hz, too low for speech (${MIN_SOURCE_RATE} Hz at least): record it ` +
        `again at 16 kHz; if its header is wrong, convert it giving the real rate: sox -r 16000 input.wav -c 1 -b 16 output.wav`,
    );
  }
  if (rate > MAX_SOURCE_RATE) {
    throw new AudioFileError(
      `${name} is sampled at ${rate} Hz, more than any recorder writes (${MAX_SOURCE_RATE} Hz at most), so ` +
        `its header is damaged; convert it giving the real rate: sox -r 16000 input.wav -c 1 -b 16 output.wav`,
    );
  }
  if (channels < 1) {
    throw new AudioFileError(
      `${name} says it has no channels, so its header is damaged; convert it giving the real count: ` +
        "sox -c 1 input.wav -r 16000 -c 1 -b 16 output.wav",
    );
  }
  if (channels > MAX_CHANNELS) {
    throw new AudioFileError(
      `${name} has ${channels} channels, more than ${MAX_CHANNELS}; mix it down to one first: ${CONVERT}`,
    );
  }
  if (!DECODABLE[encoding]?.includes(bits)) {
    const what = `${bits}-bit ${ENCODING_NAMES[encoding] ?? `audio in format ${encoding}`}`;
    throw new AudioFileError(
      `${name} holds ${what}, which this reader does not decode; convert it: ${CONVERT}`,
    );
  }
  const present = data.samples.length;
  if (data.chunkSize > present && data.chunkSize < UNKNOWN_LENGTH) {
    throw new AudioFileError(
      `${name} is cut short: its header promises ${data.chunkSize} bytes of audio but it holds ${present} ` +
        `(an unfinished copy or download?); copy it again, or keep what is there: sox --ignore-length input.wav -r 16000 -c 1 -b 16 output.wav`,
    );
  }
  const seconds = (Math.min(data.chunkSize, present) * 8) / (bits * channels) / rate;
  if (seconds > MAX_RECORDING_SECONDS) {
    throw new AudioFileError(
      `${name} is ${formatDuration(seconds)} long; a question is taken up to ${MAX_RECORDING_SECONDS / 60} ` +
        `minutes. Keep the part with the question, e.g. the first 10 seconds: ${CONVERT} trim 0 10`,
    );
  }
  return { encoding, channels, rate, bits };
}

/** The channels averaged into one, as floats in -1..1, read straight from the data chunk's bytes. */
function monoSamples(
  bytes: Uint8Array,
  { encoding, channels, bits }: Layout,
  bigEndian: boolean,
): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = bits / 8;
  const frames = Math.floor(bytes.byteLength / (width * channels));
  const read = sampleReader(view, encoding, bits, !bigEndian);
  const mono = new Float32Array(frames);
  for (let frame = 0, offset = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel++, offset += width) sum += read(offset);
    mono[frame] = sum / channels;
  }
  return mono;
}

/** One sample at a byte offset as a float in -1..1, for each layout `checkedLayout` lets through. */
function sampleReader(
  view: DataView,
  encoding: number,
  bits: number,
  little: boolean,
): (offset: number) => number {
  if (encoding === FLOAT) {
    return bits === 32 ? (at) => view.getFloat32(at, little) : (at) => view.getFloat64(at, little);
  }
  if (bits === 8) return (at) => (view.getUint8(at) - 128) / 128; // 8-bit WAV is unsigned
  if (bits === 16) return (at) => view.getInt16(at, little) / 0x8000;
  if (bits === 32) return (at) => view.getInt32(at, little) / 0x8000_0000;
  return little
    ? (at) => ((view.getInt8(at + 2) << 16) | view.getUint16(at, true)) / 0x80_0000
    : (at) => ((view.getInt8(at) << 16) | view.getUint16(at + 1, false)) / 0x80_0000;
}

function toInt16(samples: Float32Array): Int16Array {
  const pcm = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    pcm[i] = Math.max(-0x8000, Math.min(0x7fff, Math.round((samples[i] as number) * 0x8000)));
  }
  return pcm;
}

function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** Pieces of audio one after another, as one. */
export function concatenated(parts: readonly Int16Array[]): Int16Array {
  const whole = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

/** 16 kHz mono samples as a 16-bit PCM WAV file. */
export function encodeWav(pcm: Int16Array, sampleRate = SAMPLE_RATE): Uint8Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, sampleRate, "16", pcm);
  return wav.toBuffer();
}
