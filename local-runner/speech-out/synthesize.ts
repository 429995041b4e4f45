/**
 * Text to 16 kHz speech samples with the machine's own engines: festival (text2wave), espeak-ng and flite,
 * each given the text on stdin as plain text, never as an argument or Scheme. Used to speak answers to a file
 * and to test the voice path on real audio.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeWav } from "../audio/wav.js";
import { isSafeVoiceName, sanitizeForSpeech } from "./sanitize.js";

/** "festival:cmu_us_slt_arctic_hts", "festival:kal_diphone", "espeak:en-us", "flite:awb", ... */
export type SynthVoice = `${"festival" | "espeak" | "flite"}:${string}`;

export const DEFAULT_TEST_VOICES: readonly SynthVoice[] = [
  "festival:cmu_us_slt_arctic_hts",
  "festival:kal_diphone",
  "espeak:en-us",
];

export class SynthesisError extends Error {
  override readonly name = "SynthesisError";
}

/** The answer as WAV bytes, spoken by `voice`. */
export function synthesizeWav(text: string, voice: SynthVoice): Uint8Array {
  const [engine, name = ""] = voice.split(":") as [string, string];
  if (!isSafeVoiceName(name)) throw new SynthesisError(`"${name}" is not a voice name`);
  const spoken = sanitizeForSpeech(text);
  if (engine === "festival") return festivalWav(spoken, name);
  if (engine === "flite") return fliteWav(spoken, name);
  // The text on stdin, never as an argument: one starting with "-" would be an option (-w FILE, --version).
  const run = spawnSync("espeak-ng", ["-v", name, "--stdout", "--stdin"], {
    input: spoken,
    maxBuffer: 64 << 20,
  });
  return checked(run, voice, "espeak-ng");
}

/** text2wave reads the text on stdin (never as Scheme) and writes a file: it cannot write to a pipe. */
function festivalWav(spoken: string, name: string): Uint8Array {
  const folder = mkdtempSync(join(tmpdir(), "her-faq-tts-"));
  const file = join(folder, "speech.wav");
  try {
    const run = spawnSync("text2wave", ["-eval", `(voice_${name})`, "-o", file], { input: spoken });
    checked(run, `festival:${name}`, "festival");
    return new Uint8Array(readFileSync(file));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * flite reads the text on stdin and writes a file. It speaks with its default voice, without a word, when
 * asked for one it lacks, so the name is checked against its own list first.
 */
function fliteWav(spoken: string, name: string): Uint8Array {
  const voices = fliteVoices();
  if (!voices.includes(name)) {
    throw new SynthesisError(`flite has no voice "${name}"; it has: ${voices.join(", ")}`);
  }
  const folder = mkdtempSync(join(tmpdir(), "her-faq-tts-"));
  const file = join(folder, "speech.wav");
  try {
    checked(spawnSync("flite", ["-voice", name, "-o", file], { input: spoken }), `flite:${name}`, "flite");
    return new Uint8Array(readFileSync(file));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

let fliteVoiceList: readonly string[] | undefined;

/** The voices built into this flite ("Voices available: kal awb_time kal16 awb rms slt"). */
function fliteVoices(): readonly string[] {
  if (fliteVoiceList) return fliteVoiceList;
  const listing = new TextDecoder().decode(checked(spawnSync("flite", ["-lv"]), "flite", "flite"));
  fliteVoiceList = listing.replace(/^.*?:/, "").trim().split(/\s+/).filter(Boolean);
  return fliteVoiceList;
}

function checked(
  run: ReturnType<typeof spawnSync>,
  voice: string,
  engine: "festival" | "espeak-ng" | "flite",
): Uint8Array {
  if (run.error) {
    throw new SynthesisError(
      `${engine} is not available (${run.error.message}); install it with: sudo apt-get install ${engine}`,
    );
  }
  const stderr = run.stderr?.toString() ?? "";
  if (run.status !== 0 || /not defined|unbound variable|SIOD ERROR/i.test(stderr)) {
    throw new SynthesisError(
      `${voice} could not speak (${stderr.trim().split("\n")[0] || `exit ${run.status}`})`,
    );
  }
  return new Uint8Array(run.stdout as Buffer);
}

/** The answer as 16 kHz mono samples. */
export function synthesize(text: string, voice: SynthVoice): Int16Array {
  return decodeWav(synthesizeWav(text, voice), voice).pcm;
}
