import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import wavefile from "wavefile";
import { AudioFileError, decodeWav, MAX_RECORDING_SECONDS, readWavFile } from "../local-runner/audio/wav.js";

interface Header {
  rate?: number;
  channels?: number;
  bits?: number;
  /** 1 PCM, 3 float, 65534 extensible (then `subformat` names the encoding). */
  format?: number;
  subformat?: number;
  /** The data length the header claims; the real length unless given. */
  declared?: number;
}

/** A WAV file written field by field, so a test can make the header say anything. */
function wavFile(header: Header, data: Uint8Array): Uint8Array {
  const { rate = 16_000, channels = 1, bits = 16, format = 1, subformat = 1 } = header;
  const extensible = format === 65534;
  const fmtSize = extensible ? 40 : 16;
  const bytes = new Uint8Array(20 + fmtSize + 8 + data.length);
  const view = new DataView(bytes.buffer);
  const text = (at: number, value: string) => {
    for (let i = 0; i < value.length; i++) bytes[at + i] = value.charCodeAt(i);
  };
  text(0, "RIFF");
  view.setUint32(4, bytes.length - 8, true);
  text(8, "WAVEfmt ");
  view.setUint32(16, fmtSize, true);
  view.setUint16(20, format, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, (rate * channels * bits) / 8, true);
  view.setUint16(32, (channels * bits) / 8, true);
  view.setUint16(34, bits, true);
  if (extensible) {
    view.setUint16(36, 22, true);
    view.setUint16(38, bits, true);
    view.setUint32(40, 4, true);
    view.setUint32(44, subformat, true); // then the rest of the KSDATAFORMAT GUID
    bytes.set([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 48);
  }
  const data0 = 20 + fmtSize;
  text(data0, "data");
  view.setUint32(data0 + 4, header.declared ?? data.length, true);
  bytes.set(data, data0 + 8);
  return bytes;
}

/** Interleaved 16-bit little-endian samples as bytes. */
function int16Bytes(samples: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Int16Array.from(samples).buffer);
}

const tone = (frequency: number, rate: number, length: number, amplitude = 0.5) =>
  Array.from({ length }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));

/** Root mean square of samples scaled to -1..1, skipping the ends where any filter settles. */
function rms(pcm: ArrayLike<number>, skip = 200): number {
  let sum = 0;
  for (let i = skip; i < pcm.length - skip; i++) sum += ((pcm[i] as number) / 0x8000) ** 2;
  return Math.sqrt(sum / (pcm.length - 2 * skip));
}

function refusal(bytes: Uint8Array, name = "q.wav"): string {
  try {
    decodeWav(bytes, name);
  } catch (error) {
    expect(error).toBeInstanceOf(AudioFileError);
    return (error as Error).message;
  }
  throw new Error(`${name} was decoded, not refused`);
}

describe("WAV header checks, before any conversion", () => {
  const second = int16Bytes(tone(440, 16_000, 1600).map((x) => x * 0x8000));

  it("refuses a header claiming 1 Hz, saying how to give the real rate", () => {
    expect(refusal(wavFile({ rate: 1 }, second))).toBe(
      "q.wav is sampled at 1 Hz, too low for speech (8000 Hz at least): record it again at 16 kHz; " +
        "if its header is wrong, convert it giving the real rate: sox -r 16000 input.wav -c 1 -b 16 output.wav",
    );
  });

  it("refuses a rate no recorder writes", () => {
    expect(refusal(wavFile({ rate: 50_000_000 }, second))).toMatch(
      /^q\.wav is sampled at 50000000 Hz, more than any recorder writes \(384000 Hz at most\).*sox -r 16000 input\.wav/,
    );
  });

  it("refuses a header with no channels, and one with more than it mixes", () => {
    expect(refusal(wavFile({ channels: 0 }, second))).toMatch(
      /says it has no channels, so its header is damaged; .*: sox -c 1 input\.wav -r 16000 -c 1 -b 16 output\.wav$/,
    );
    expect(refusal(wavFile({ channels: 12 }, new Uint8Array(24 * 800)))).toMatch(
      /has 12 channels, more than 8; mix it down to one first: sox input\.wav -r 16000 -c 1 -b 16 output\.wav$/,
    );
  });

  it("refuses bit depths it does not decode, naming them", () => {
    expect(refusal(wavFile({ bits: 12 }, second))).toMatch(
      /holds 12-bit PCM, which this reader does not decode/,
    );
    expect(refusal(wavFile({ bits: 0 }, second))).toMatch(/holds 0-bit PCM/);
    expect(refusal(wavFile({ bits: 16, format: 3 }, second))).toMatch(/holds 16-bit float/);
    expect(refusal(wavFile({ bits: 16, format: 85 }, second))).toMatch(/holds 16-bit audio in format 85/);
  });

  it("refuses a file cut short, and says how to keep what is there", () => {
    expect(refusal(wavFile({ declared: 64_000 }, second))).toMatch(
      /^q\.wav is cut short: its header promises 64000 bytes of audio but it holds 3200 .*sox --ignore-length input\.wav/,
    );
  });

  it("takes a file whose length was left unknown by a writer that streamed it", () => {
    // espeak-ng --stdout and sox or arecord writing to a pipe leave this placeholder.
    const { pcm } = decodeWav(wavFile({ declared: 0x7fff_f000 }, second));
    expect(pcm).toEqual(new Int16Array(second.buffer));
  });

  it(`refuses a recording longer than ${MAX_RECORDING_SECONDS / 60} minutes and takes one that long`, () => {
    const samples = (seconds: number) => new Uint8Array(seconds * 16_000 * 2);
    expect(refusal(wavFile({}, samples(MAX_RECORDING_SECONDS + 1)))).toMatch(
      /^q\.wav is 2 min 1 s long; a question is taken up to 2 minutes\. .*sox input\.wav -r 16000 -c 1 -b 16 output\.wav trim 0 10$/,
    );
    expect(decodeWav(wavFile({}, samples(MAX_RECORDING_SECONDS))).pcm.length).toBe(
      MAX_RECORDING_SECONDS * 16_000,
    );
  });
});

describe("WAV files", () => {
  it("refuses a file too large to be one question before reading it", () => {
    const folder = mkdtempSync(join(tmpdir(), "her-faq-wav-"));
    try {
      // Sparse: the 300 MB are never written, and would only be read if the size were not checked first.
      const file = join(folder, "podcast.wav");
      writeFileSync(file, wavFile({ declared: 0x7fff_f000 }, new Uint8Array(3200)));
      truncateSync(file, 300 * 1024 * 1024);
      expect(() => readWavFile(file)).toThrow(
        new AudioFileError(
          `${file} is 300 MB, more than a question needs (256 MB at most); keep the part with the question, ` +
            "e.g. the first 10 seconds: sox input.wav -r 16000 -c 1 -b 16 output.wav trim 0 10",
        ),
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("WAV decoding to 16 kHz mono", () => {
  it("resamples 30 s of 44.1 kHz stereo to 30 s at 16 kHz, the channels mixed", () => {
    // A 1 kHz tone on the left, silence on the right: the mix is the tone at half level.
    const left = tone(1000, 44_100, 30 * 44_100);
    const stereo = left.flatMap((x) => [Math.round(x * 0x8000), 0]);
    const audio = decodeWav(wavFile({ rate: 44_100, channels: 2 }, int16Bytes(stereo)));
    expect(audio).toMatchObject({ sourceRate: 44_100, sourceChannels: 2 });
    expect(audio.pcm.length).toBe(30 * 16_000);
    const expected = tone(1000, 16_000, audio.pcm.length, 0.25).map((x) => x * 0x8000);
    const error = audio.pcm.map((sample, i) => sample - Math.round(expected[i] as number));
    expect(rms(audio.pcm)).toBeCloseTo(0.25 / Math.SQRT2, 3);
    expect(rms(error)).toBeLessThan(0.001);
  });

  it("filters out what 16 kHz cannot carry instead of folding it onto speech", () => {
    // Taken one sample in 2.76, a 12 kHz tone would come back as a loud 4 kHz one.
    const high = tone(12_000, 44_100, 44_100).map((x) => Math.round(x * 0x8000));
    const { pcm } = decodeWav(wavFile({ rate: 44_100 }, int16Bytes(high)));
    expect(rms(pcm)).toBeLessThan(0.0005);
  });

  it("reads 8, 24 and 32-bit PCM, float, extensible float and A-law as the same sound", () => {
    const wave = tone(300, 16_000, 1600);
    const reference = decodeWav(wavFile({}, int16Bytes(wave.map((x) => Math.round(x * 0x8000))))).pcm;
    const within = (pcm: Int16Array, tolerance: number) =>
      expect(Math.max(...pcm.map((x, i) => Math.abs(x - (reference[i] as number))))).toBeLessThanOrEqual(
        tolerance,
      );

    within(
      decodeWav(
        wavFile(
          { bits: 8 },
          Uint8Array.from(wave, (x) => Math.round(128 + x * 128)),
        ),
      ).pcm,
      256,
    );
    const int24 = new Uint8Array(wave.length * 3);
    wave.forEach((x, i) => {
      const value = Math.round(x * 0x80_0000);
      int24.set([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff], i * 3);
    });
    within(decodeWav(wavFile({ bits: 24 }, int24)).pcm, 1);
    const int32 = Int32Array.from(wave, (x) => Math.round(x * 0x8000_0000));
    within(decodeWav(wavFile({ bits: 32 }, new Uint8Array(int32.buffer))).pcm, 1);
    const float32 = new Uint8Array(Float32Array.from(wave).buffer);
    within(decodeWav(wavFile({ bits: 32, format: 3 }, float32)).pcm, 1);
    within(decodeWav(wavFile({ bits: 32, format: 65534, subformat: 3 }, float32)).pcm, 1);
    within(
      decodeWav(wavFile({ bits: 64, format: 3 }, new Uint8Array(Float64Array.from(wave).buffer))).pcm,
      1,
    );

    const alaw = new wavefile.WaveFile();
    alaw.fromScratch(1, 16_000, "16", reference);
    alaw.toALaw();
    within(decodeWav(alaw.toBuffer()).pcm, 0x8000 / 64);
  });

  it("does not read the pad byte after odd-sized 8-bit data as a sample", () => {
    const silence = Uint8Array.of(128, 128, 128);
    const padded = wavFile({ bits: 8 }, Uint8Array.of(...silence, 0));
    new DataView(padded.buffer).setUint32(40, 3, true);
    expect(decodeWav(padded).pcm).toEqual(new Int16Array(3));
  });
});
