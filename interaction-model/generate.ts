/**
 * Writes the interaction models (interaction-model/<locale>.json) from the FAQ data, after checking them
 * against Amazon's rules. `npm run model`; a test fails when the committed files fall behind the data.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildInteractionModel } from "./build.js";
import { checkInteractionModel } from "./rules.js";
import { LOCALES } from "./types.js";

export const MIN_SAMPLES_PER_FAQ_INTENT = 20;

/** The model file's text, exactly as committed. */
export function modelFileText(locale: (typeof LOCALES)[number]): string {
  return `${JSON.stringify(buildInteractionModel(locale), null, 2)}\n`;
}

function main(): void {
  const folder = dirname(fileURLToPath(import.meta.url));
  let failed = false;
  for (const locale of LOCALES) {
    const problems = checkInteractionModel(buildInteractionModel(locale), {
      minSamplesPerFaqIntent: MIN_SAMPLES_PER_FAQ_INTENT,
    });
    if (problems.length > 0) {
      failed = true;
      console.error(`${locale}: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
      continue;
    }
    writeFileSync(join(folder, `${locale}.json`), modelFileText(locale));
    console.log(`wrote interaction-model/${locale}.json`);
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
