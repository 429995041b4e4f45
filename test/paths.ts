/** Where tests find the repository and the shared folder beside it (seed document, dev eval file). */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const sharedDir = resolve(repoRoot, "..", "shared");
export const seedFile = join(sharedDir, "seeds", "000_4e8f9b1eaacad072.txt");
export const devEvalFile = join(sharedDir, "eval", "dev.tsv");
export const hasShared = existsSync(seedFile) && existsSync(devEvalFile);
/** Printed as the skip reason when the shared folder is not beside the checkout. */
export const noSharedReason = `the shared folder (${sharedDir}) with the seed and dev.tsv is not beside this checkout`;
