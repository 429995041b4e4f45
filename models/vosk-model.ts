/**
 * The Vosk English model: which archive to fetch and how to check it, where it is installed, and the check
 * that a folder really holds one. Vosk's own `new Model(path)` does not throw on a bad folder (it returns a
 * NULL handle), so this looks first.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

export const VOSK_MODEL_NAME = "vosk-model-small-en-us-0.15";
export const VOSK_MODEL_URL = `https://alphacephei.com/vosk/models/${VOSK_MODEL_NAME}.zip`;

/**
 * SHA-256 of the official archive at VOSK_MODEL_URL (41,205,931 bytes). alphacephei.com publishes no
 * checksum; this is the one pinned by Rhasspy's mirror of the file (rhasspy/vosk-models on Hugging Face,
 * Git LFS pointer en/vosk-model-small-en-us-0.15.zip) and by numen's model install script.
 */
export const VOSK_MODEL_SHA256 = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498";

/** Files every Vosk model folder holds (the small English model's layout). */
export const REQUIRED_MODEL_FILES = [
  "am/final.mdl",
  "conf/mfcc.conf",
  "conf/model.conf",
  "graph/phones/word_boundary.int",
];

/** What decides where a user's data goes: passed in so every platform's answer can be tested anywhere. */
export interface UserSystem {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
}

const thisSystem = (): UserSystem => ({ platform: process.platform, env: process.env, home: homedir() });

/**
 * The folder models are installed in for this user: the platform's per-user data folder, never the
 * package's own folder, which a global install cannot write to. Written out rather than taken from
 * env-paths, whose Windows folder ends in `Data` and which reads the running process only.
 */
export function modelsFolderFor({ platform, env, home }: UserSystem): string {
  if (platform === "win32") {
    const local = env.LOCALAPPDATA || path.win32.join(home, "AppData", "Local");
    return path.win32.join(local, "her-faq", "models");
  }
  if (platform === "darwin")
    return path.posix.join(home, "Library", "Application Support", "her-faq", "models");
  // The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
  const data = env.XDG_DATA_HOME && path.posix.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : undefined;
  return path.posix.join(data ?? path.posix.join(home, ".local", "share"), "her-faq", "models");
}

/** The models folder on this machine, for this user. */
export function modelsFolder(): string {
  return modelsFolderFor(thisSystem());
}

/** The model to use, as an absolute path: --model, then $VOSK_MODEL, then the downloaded default. */
export function voskModelPath(explicit?: string): string {
  // An empty --model or VOSK_MODEL= counts as not given, as shells make both easily.
  return path.resolve(explicit || process.env.VOSK_MODEL || path.join(modelsFolder(), VOSK_MODEL_NAME));
}

/** The required files missing from a model folder (all of them if the folder does not exist). */
export function missingModelFiles(folder: string): string[] {
  return REQUIRED_MODEL_FILES.filter((file) => !existsSync(path.join(folder, file)));
}
