/**
 * Writes the interaction models (interaction-model/<locale>.json) and the ASK CLI skill package from the FAQ
 * data, after checking the models against Amazon's rules. `npm run model`; a test fails when the committed
 * files fall behind the data.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildInteractionModel } from "./build.js";
import { checkInteractionModel } from "./rules.js";
import { ASK_RESOURCES, skillManifest } from "./skill-package.js";
import { LOCALES } from "./types.js";

export const MIN_SAMPLES_PER_FAQ_INTENT = 20;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The model file's text, exactly as committed. */
export function modelFileText(locale: (typeof LOCALES)[number]): string {
  return json(buildInteractionModel(locale));
}

/** Every generated file, by path from the repository root, with its text. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const locale of LOCALES) {
    files.set(`interaction-model/${locale}.json`, modelFileText(locale));
    files.set(`skill-package/interactionModels/custom/${locale}.json`, modelFileText(locale));
  }
  files.set("skill-package/skill.json", json(skillManifest()));
  files.set("ask-resources.json", json(ASK_RESOURCES));
  return files;
}

/** Paths of generated files whose committed text differs from what the generator writes now. */
export function staleFiles(root: string): string[] {
  const stale: string[] = [];
  for (const [path, text] of generatedFiles()) {
    let committed: string | undefined;
    try {
      committed = readFileSync(join(root, path), "utf8");
    } catch {
      committed = undefined;
    }
    if (committed !== text) stale.push(path);
  }
  return stale;
}

function main(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  if (process.argv.includes("--check")) {
    const stale = staleFiles(root);
    if (stale.length > 0) {
      console.error(
        `out of date with skill/faq/data.ts: ${stale.join(", ")}\nrun \`npm run model\` and commit the result`,
      );
      process.exitCode = 1;
    }
    return;
  }
  let failed = false;
  for (const locale of LOCALES) {
    const problems = checkInteractionModel(buildInteractionModel(locale), {
      minSamplesPerFaqIntent: MIN_SAMPLES_PER_FAQ_INTENT,
    });
    if (problems.length > 0) {
      failed = true;
      console.error(`${locale}: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
    }
  }
  if (failed) {
    process.exitCode = 1;
    return;
  }
  for (const [path, text] of generatedFiles()) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    console.log(`wrote ${path}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
