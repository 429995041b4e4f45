/** Vosk: its native library, its missing-model message, and (given VOSK_MODEL) a real recognition. */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interactionModelFor } from "../interaction-model/index.js";
import { createRecognizer } from "../local-runner/recognizers/select.js";
import { transcribe } from "../local-runner/recognizers/types.js";
import { loadVosk, VoskRecognizer } from "../local-runner/recognizers/vosk.js";
import { synthesize } from "../local-runner/speech-out/synthesize.js";

describe("Vosk", () => {
  it("loads its native library", () => {
    expect(typeof loadVosk().Model).toBe("function");
  });

  it("explains a missing model and how to get it", () => {
    expect(() => new VoskRecognizer({ modelPath: join(tmpdir(), "no-model-here") })).toThrow(
      /no Vosk model in .*no-model-here.*her-faq models download/,
    );
    expect(() =>
      createRecognizer(interactionModelFor("en-US"), {
        engine: "vosk",
        voskModel: join(tmpdir(), "no-model-here"),
      }),
    ).toThrow(/her-faq models download/);
  });

  const modelPath = process.env.VOSK_MODEL;
  it.skipIf(!modelPath)(
    `recognizes the skill's questions with a real model (${modelPath ? `VOSK_MODEL=${modelPath}` : "skipped: set VOSK_MODEL to a downloaded model folder to run"})`,
    () => {
      const recognizer = createRecognizer(interactionModelFor("en-US"), {
        engine: "vosk",
        voskModel: modelPath,
      });
      const transcript = transcribe(
        recognizer,
        synthesize("who composed the music for her", "festival:cmu_us_slt_arctic_hts"),
      );
      recognizer.close();
      expect(transcript.text).toContain("music");
    },
  );
});
