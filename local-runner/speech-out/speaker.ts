/**
 * Speaking answers aloud with `say` (festival on Linux, the system voice on macOS), one at a time: a new
 * answer waits for the last to finish, and stop() silences speech at once. Every string is sanitised first,
 * because `say` on Linux passes it into festival's Scheme unescaped.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import say from "say";
import { playChime } from "./chime.js";
import { isSafeVoiceName, sanitizeForSpeech, sentencesOf } from "./sanitize.js";

/** How an answer was spoken. */
export interface Spoken {
  /** From speak() to the first sample handed to the audio device, when the speaker can tell. */
  readonly firstAudioMs?: number;
  /** stop() cut it short. */
  readonly stopped: boolean;
}

export interface Speaker {
  /** Speaks the text; resolves when it has been said (or could not be, or was stopped). */
  speak(text: string): Promise<Spoken>;
  /** Stops speech now and drops anything queued. */
  stop(): void;
  /** Texts likely to be said: speakers that can make speech ahead of time start on them while idle. */
  prepare?(texts: readonly string[]): void;
  /** Plays the short chime that says the user is listened to now (the wake word heard alone); no wait. */
  chime?(): void;
}

export class SpeakerError extends Error {
  override readonly name = "SpeakerError";
}

const FESTIVAL_VOICES = "/usr/share/festival/voices";

/** Festival voices installed on this machine ("cmu_us_slt_arctic_hts", "kal_diphone", ...). */
export function installedFestivalVoices(): string[] {
  if (!existsSync(FESTIVAL_VOICES)) return [];
  return readdirSync(FESTIVAL_VOICES, { withFileTypes: true })
    .filter((language) => language.isDirectory())
    .flatMap((language) => readdirSync(`${FESTIVAL_VOICES}/${language.name}`));
}

/** A female voice where one exists, as Samantha's: festival's SLT on Linux, "Samantha" on macOS. */
export function defaultVoice(platform = process.platform): string | undefined {
  if (platform === "darwin") return "Samantha";
  return installedFestivalVoices().includes("cmu_us_slt_arctic_hts") ? "cmu_us_slt_arctic_hts" : undefined;
}

/** The voice as `say` wants it on this platform, after checking it exists and is a plain name. */
export function sayVoice(voice: string, platform = process.platform): string {
  if (!isSafeVoiceName(voice)) throw new SpeakerError(`"${voice}" is not a voice name`);
  if (platform !== "linux") return voice;
  const installed = installedFestivalVoices();
  if (!installed.includes(voice)) {
    const choices =
      installed.length > 0 ? installed.join(", ") : "none (sudo apt-get install festival festvox-us-slt-hts)";
    throw new SpeakerError(`festival has no voice "${voice}"; installed: ${choices}`);
  }
  // On Linux `say` inserts the voice as a Scheme call: (voice_cmu_us_slt_arctic_hts).
  return `voice_${voice}`;
}

export interface SaySpeakerOptions {
  readonly voice?: string;
  /** Speaking rate, 1 = normal. */
  readonly rate?: number;
  /** Told once when the platform cannot play sound (no audio device), so the caller can say so. */
  readonly onUnavailable?: (reason: string) => void;
}

interface SayInternals {
  child?: { pid?: number; kill(signal?: string): boolean } | null;
}

export class SaySpeaker implements Speaker {
  private queue: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private warned = false;
  private readonly voice: string | undefined;

  constructor(private readonly options: SaySpeakerOptions = {}) {
    this.voice = options.voice === undefined ? undefined : sayVoice(options.voice);
  }

  speak(text: string): Promise<Spoken> {
    const generation = this.generation;
    // Sentence by sentence: the first is heard after its own synthesis, and stop() takes effect between them.
    for (const sentence of sentencesOf(sanitizeForSpeech(text))) {
      this.queue = this.queue.then(() =>
        generation === this.generation ? this.sayNow(sentence) : undefined,
      );
    }
    // `say` does not tell when its audio starts.
    return this.queue.then(() => ({ stopped: generation !== this.generation }));
  }

  chime(): void {
    playChime();
  }

  stop(): void {
    this.generation++;
    const child = (say as unknown as SayInternals).child;
    if (child?.pid) {
      // festival plays through a shell and aplay: end the whole family, not a guessed pid (say.stop()'s way).
      spawnSync("pkill", ["-TERM", "-P", String(child.pid)]);
      child.kill("SIGTERM");
    }
  }

  private sayNow(spoken: string): Promise<void> {
    return new Promise((resolve) => {
      say.speak(spoken, this.voice, this.options.rate, (error) => {
        if (error && !this.warned) {
          this.warned = true;
          this.options.onUnavailable?.(String(error).trim());
        }
        resolve();
      });
    });
  }
}

/** For --quiet: answers are only printed. */
export const silentSpeaker: Speaker = { speak: async () => ({ stopped: false }), stop: () => undefined };
