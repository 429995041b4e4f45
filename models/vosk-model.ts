/**
 * The Vosk English model: where it lives, and the check that a folder really holds one. Vosk's own
 * `new Model(path)` does not throw on a bad folder (it returns a NULL handle), so this looks first.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const VOSK_MODEL_NAME = "vosk-model-small-en-us-0.15";
export const VOSK_MODEL_URL = `https://alphacephei.com/vosk/models/${VOSK_MODEL_NAME}.zip`;

/** Files every Vosk model folder holds (the small English model's layout). */
export const REQUIRED_MODEL_FILES = [
  "am/final.mdl",
  "conf/mfcc.conf",
  "conf/model.conf",
  "graph/phones/word_boundary.int",
];

/** This folder: models are unpacked beside this file, one folder each. */
export function modelsFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Bundled into dist/cli.js, this module runs from dist/: the models folder is the package's own.
  return here.endsWith("dist") ? join(here, "..", "models") : here;
}

/** The model to use: --model, then $VOSK_MODEL, then the downloaded default. */
export function voskModelPath(explicit?: string): string {
  return explicit ?? process.env.VOSK_MODEL ?? join(modelsFolder(), VOSK_MODEL_NAME);
}

/** The required files missing from a model folder (all of them if the folder does not exist). */
export function missingModelFiles(folder: string): string[] {
  return REQUIRED_MODEL_FILES.filter((file) => !existsSync(join(folder, file)));
}
