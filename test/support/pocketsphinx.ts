import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { interactionModelFor } from "../../interaction-model/index.js";
import { DEFAULT_POCKETSPHINX_MODEL } from "../../local-runner/recognizers/pocketsphinx.js";
import { createRecognizer } from "../../local-runner/recognizers/select.js";
import type { Recognizer } from "../../local-runner/recognizers/types.js";
import { type SynthVoice, synthesize } from "../../local-runner/speech-out/synthesize.js";

/**
 * Why tests on spoken audio cannot run here: PocketSphinx's English model or one of `voices` is missing (all
 * from apt, see .ci/run). Undefined when everything is there.
 */
export function missingSpeechStack(voices: readonly SynthVoice[]): string | undefined {
  if (!existsSync(join(DEFAULT_POCKETSPHINX_MODEL, "en-us")))
    return "PocketSphinx's English model is not installed (sudo apt-get install pocketsphinx pocketsphinx-en-us)";
  try {
    for (const voice of voices) synthesize("hello", voice);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/**
 * One PocketSphinx recognizer for the tests of a describe block: made and ready before them (its open
 * decoders take a second or two), handed to `use`, and closed after them.
 */
export function withPocketSphinx(use: (recognizer: Recognizer) => void): void {
  let recognizer: Recognizer | undefined;
  beforeAll(async () => {
    recognizer = createRecognizer(interactionModelFor("en-US"), { engine: "pocketsphinx" });
    await recognizer.ready?.();
    use(recognizer);
  }, 60_000);
  afterAll(() => recognizer?.close());
}
