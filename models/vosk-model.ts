/**
 * The Vosk English model: which archive to fetch and how to check it, where it is installed, and the check
 * that a folder really holds one. Vosk's own `new Model(path)` does not throw on a bad folder (it returns a
 * NULL handle), so this looks first.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { joinFor, thisSystem, type UserSystem, userFolder } from "../local-runner/user-folders.js";

export type { UserSystem } from "../local-runner/user-folders.js";

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

/**
 * The folder models are installed in for this user: the platform's per-user data folder, never the
 * package's own folder, which a global install cannot write to. Written out rather than taken from
 * env-paths, whose Windows folder ends in `Data` and which reads the running process only.
 */
export function modelsFolderFor(system: UserSystem): string {
  return joinFor(system.platform)(userFolder("data", system), "models");
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
