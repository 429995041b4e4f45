import { afterAll, beforeAll } from "vitest";
import { interactionModelFor } from "../../interaction-model/index.js";
import { createRecognizer } from "../../local-runner/recognizers/select.js";
import type { Recognizer } from "../../local-runner/recognizers/types.js";

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
