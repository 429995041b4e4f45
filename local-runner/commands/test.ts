/** `her-faq test <scripts>`: runs dialog scripts and prints each test's result and every failure. */

import { interactionModelFor } from "../../interaction-model/index.js";
import type { Conversation } from "../conversation.js";
import { DialogScriptError, loadDialogScript } from "../dialog-script/load.js";
import { runDialogScript, type TestResult } from "../dialog-script/run.js";
import { createRecognizer } from "../recognizers/select.js";
import { type Recognizer, RecognizerUnavailable, transcribe } from "../recognizers/types.js";
import { type Runtime, UserError } from "../runtime.js";
import { type SynthVoice, synthesize } from "../speech-out/synthesize.js";
import { answerTranscript } from "../voice.js";

export interface TestOptions {
  /** Speak each utterance with this voice and recognize it, instead of sending the text. */
  readonly voice?: SynthVoice;
}

export async function testScripts(
  runtime: Runtime,
  files: readonly string[],
  options: TestOptions = {},
): Promise<number> {
  let recognizer: Recognizer | undefined;
  if (options.voice) {
    try {
      recognizer = createRecognizer(interactionModelFor(runtime.locale));
    } catch (error) {
      if (error instanceof RecognizerUnavailable)
        throw new UserError(`cannot test by voice: ${error.message}`, 1);
      throw error;
    }
  }
  const voice = options.voice;
  const utter =
    recognizer && voice
      ? (conversation: Conversation, utterance: string) =>
          answerTranscript(conversation, transcribe(recognizer, synthesize(utterance, voice)))
      : undefined;
  try {
    return await runScripts(runtime, files, utter);
  } finally {
    recognizer?.close();
  }
}

async function runScripts(
  runtime: Runtime,
  files: readonly string[],
  utter: Parameters<typeof runDialogScript>[1]["utter"],
): Promise<number> {
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    let results: TestResult[];
    try {
      const script = loadDialogScript(file, runtime.resolver.intents);
      results = await runDialogScript(script, { skill: runtime.skill, utter });
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
