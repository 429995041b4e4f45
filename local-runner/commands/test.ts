/** `her-faq test <scripts>`: runs dialog scripts and prints each test's result and every failure. */
import { DialogScriptError, loadDialogScript } from "../dialog-script/load.js";
import { runDialogScript, type TestResult } from "../dialog-script/run.js";
import type { Runtime } from "../runtime.js";

export async function testScripts(runtime: Runtime, files: readonly string[]): Promise<number> {
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    let results: TestResult[];
    try {
      const script = loadDialogScript(file, runtime.resolver.intents);
      results = await runDialogScript(script, runtime);
    } catch (error) {
      if (!(error instanceof DialogScriptError)) throw error;
      process.stdout.write(`✗ ${error.message}\n`);
      failed++;
      continue;
    }
    for (const result of results) {
      if (result.failures.length === 0) {
        passed++;
        process.stdout.write(`✓ ${result.script} › ${result.test}\n`);
      } else {
        failed++;
        process.stdout.write(`✗ ${result.script} › ${result.test}\n`);
        for (const failure of result.failures) {
          process.stdout.write(`    step ${failure.step} (${failure.request}): ${failure.message}\n`);
        }
      }
    }
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}
