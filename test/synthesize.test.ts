import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSafeVoiceName, sanitizeForSpeech } from "../local-runner/speech-out/sanitize.js";
import { SynthesisError, type SynthVoice, synthesize } from "../local-runner/speech-out/synthesize.js";

/** A file name no other test makes, for text that asks an engine to write there. */
const probe = `her-faq-probe-${process.pid}`;
/** Text that an engine given it as an argument would take for options: help, version, writing a file. */
const OPTION_LIKE = ["-h", "--version", `-w ${join(tmpdir(), `${probe}.wav`)} hello`];

function missingEngines(): string | undefined {
  for (const tool of ["text2wave", "espeak-ng", "flite"]) {
    if (spawnSync(tool, ["--version"]).error)
      return `${tool} is not installed (see .ci/run for the apt packages)`;
  }
  return undefined;
}
const missing = missingEngines();
const withEngines = missing ? describe.skip : describe;
if (missing) console.warn(`speech synthesis tests skipped: ${missing}`);

/** Root mean square level of 16-bit samples, 0 for silence and about 0.05 or more for speech. */
function level(pcm: Int16Array): number {
  let sum = 0;
  for (const sample of pcm) sum += (sample / 0x8000) ** 2;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

describe("text for a speech engine", () => {
  it.each(OPTION_LIKE)("never starts with a hyphen, so `say` cannot take %j for options", (text) => {
    expect(sanitizeForSpeech(text)).toMatch(/^[A-Za-z0-9]/);
  });

  it("keeps hyphens inside the words and the sentence", () => {
    expect(sanitizeForSpeech(" -- near-future Los Angeles, 2025 - 2030")).toBe(
      "near-future Los Angeles, 2025 - 2030",
    );
  });

  it("refuses voice names an engine would read as options", () => {
    expect(isSafeVoiceName("-w")).toBe(false);
    expect(isSafeVoiceName("--stdin")).toBe(false);
    expect(isSafeVoiceName("cmu_us_slt_arctic_hts")).toBe(true);
    expect(isSafeVoiceName("en-us+f3")).toBe(true);
    expect(() => synthesize("hello", "espeak:-w")).toThrow(new SynthesisError('"-w" is not a voice name'));
  });
});

withEngines(`speech synthesis${missing ? ` (skipped: ${missing})` : ""}`, () => {
  const voices: readonly SynthVoice[] = ["espeak:en-us", "festival:kal_diphone", "flite:slt"];

  it.each(voices.flatMap((voice) => OPTION_LIKE.map((text) => [voice, text] as const)))(
    "%s speaks %j as words, and writes no file",
    (voice, text) => {
      // Before the fix espeak-ng printed its help or version here (not a WAV), or wrote the speech to a file.
      const pcm = synthesize(text, voice);
      expect(pcm.length / 16_000).toBeGreaterThan(0.2);
      expect(level(pcm)).toBeGreaterThan(0.01);
      const written = [process.cwd(), tmpdir()].flatMap((folder) =>
        readdirSync(folder).filter((name) => name.includes(probe)),
      );
      expect(written).toEqual([]);
    },
  );

  it.each(["flite:slt", "flite:kal"] as const)("%s speaks at 16 kHz, at a speaking pace", (voice) => {
    // kal speaks at 8 kHz, slt at 16: both come out at 16 kHz, so the length in samples is the duration.
    const pcm = synthesize("how long is the movie her", voice);
    const seconds = pcm.length / 16_000;
    expect(seconds).toBeGreaterThan(0.8);
    expect(seconds).toBeLessThan(4);
    expect(level(pcm)).toBeGreaterThan(0.01);
  });

  it("refuses a flite voice it does not have, instead of speaking with its default one", () => {
    expect(() => synthesize("hello", "flite:nosuch")).toThrow(/flite has no voice "nosuch"; it has: .*slt/);
    expect(() => synthesize("hello", "flite:-o")).toThrow(new SynthesisError('"-o" is not a voice name'));
  });

  it("says how to install flite when it is missing", () => {
    const path = process.env.PATH;
    process.env.PATH = "";
    try {
      expect(() => synthesize("hello", "flite:slt")).toThrow(/install it with: sudo apt-get install flite/);
    } finally {
      process.env.PATH = path;
    }
  });
});
