/**
 * The short rising two-note sound `listen --wake` plays when it hears the wake word alone: it is listening
 * now, and the question can follow. Made here rather than shipped, so every platform plays the same sound.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeWav, SAMPLE_RATE } from "../audio/wav.js";

/** The two notes (E5, then A5) and how long each sounds. */
const NOTES_HZ = [659.25, 880] as const;
const NOTE_MS = 90;
/** Each note fades in and out over this long, so it starts and ends without a click. */
const FADE_MS = 12;
/** About -18 dBFS at its loudest: clearly heard, well under the answers' speech. */
const PEAK = 0.125 * 0x7fff;

/** The chime as 16 kHz mono samples: two notes, each with soft edges. */
export function chimeSamples(sampleRate = SAMPLE_RATE): Int16Array {
  const noteSamples = Math.round((sampleRate * NOTE_MS) / 1000);
  const fade = Math.round((sampleRate * FADE_MS) / 1000);
  const pcm = new Int16Array(noteSamples * NOTES_HZ.length);
  for (const [index, hz] of NOTES_HZ.entries()) {
    for (let i = 0; i < noteSamples; i++) {
      const edge = Math.min(1, i / fade, (noteSamples - 1 - i) / fade);
      const envelope = Math.sin((Math.PI / 2) * edge) ** 2;
      pcm[index * noteSamples + i] = Math.round(
        PEAK * envelope * Math.sin((2 * Math.PI * hz * i) / sampleRate),
      );
    }
  }
  return pcm;
}

/**
 * How this platform plays a WAV file on its own, without waiting: afplay on macOS, .NET's SoundPlayer
 * through PowerShell on Windows, aplay elsewhere. The file's path is quoted for PowerShell (the only shell
 * it passes through); nothing else reaches a shell.
 */
export function wavPlayerCommand(file: string, platform = process.platform): readonly string[] {
  if (platform === "darwin") return ["afplay", file];
  if (platform === "win32") {
    const quoted = `'${file.replaceAll("'", "''")}'`;
    return [
      "powershell",
      "-NoProfile",
      "-NonInteractive",
      "-Command",
      `(New-Object Media.SoundPlayer ${quoted}).PlaySync()`,
    ];
  }
  return ["aplay", "-q", file];
}

let chimeFile: string | undefined;

/**
 * Plays the chime through the platform's own player, for speakers that cannot play samples themselves
 * (`say`). A chime that cannot be played is left out: the status line shows that listening began.
 */
export function playChime(platform = process.platform): void {
  try {
    if (!chimeFile) {
      const folder = mkdtempSync(join(tmpdir(), "her-faq-chime-"));
      process.once("exit", () => rmSync(folder, { recursive: true, force: true }));
      const file = join(folder, "chime.wav");
      writeFileSync(file, encodeWav(chimeSamples()));
      chimeFile = file;
    }
    const [program = "aplay", ...args] = wavPlayerCommand(chimeFile, platform);
    const child = spawn(program, args, { stdio: "ignore", windowsHide: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // No temporary folder or no player: no chime, and nothing else changes.
  }
}
