import { describe, expect, it } from "vitest";
import { ANSWER_THRESHOLD, decide, understanding } from "../local-runner/decision.js";
import { CALIBRATED_SOURCES, CALIBRATION, confidenceOf } from "../local-runner/recognizers/rejection.js";
import { type Reading, transcriptOf } from "../local-runner/recognizers/types.js";
import { createRuntime } from "../local-runner/runtime.js";
import { readTranscript } from "../local-runner/voice.js";

const reading = (text: string, confidence: number, source: Reading["source"] = "open"): Reading => ({
  text,
  source,
  score: 0,
  confidence,
});

describe("PocketSphinx's confidence in a reading", () => {
  it("is one half at the calibrated fit, and rises with the fit", () => {
    for (const source of CALIBRATED_SOURCES) {
      const { center, width } = CALIBRATION[source];
      expect(confidenceOf(source, center)).toBeCloseTo(0.5);
      expect(confidenceOf(source, center + width)).toBeCloseTo(0.75);
      expect(confidenceOf(source, center - 40)).toBeLessThan(0.01);
      expect(confidenceOf(source, center + 40)).toBeGreaterThan(0.99);
    }
  });
});

describe("the decision policy", () => {
  const conversation = createRuntime().conversation();
  const resolve = (text: string) => conversation.resolve(text);

  it("trusts the skill's own sentences fully and a paraphrase as much as the ranker does", () => {
    expect(understanding(resolve("how long is her"))).toBe(1);
    const paraphrase = resolve("how long does it go");
    expect(paraphrase).toMatchObject({ intent: "RuntimeIntent", match: "ranked" });
    expect(understanding(paraphrase)).toBe(paraphrase.kind === "intent" && paraphrase.confidence);
    expect(understanding(resolve("what's the weather in paris"))).toBe(0);
  });

  it("acts on the reading with the best score, engine confidence times understanding", () => {
    const decision = decide(
      transcriptOf([
        reading("who directly fur", 0.9),
        reading("when was her released", 0.6, "phrases"),
        reading("who directed her", 0.95, "domain"),
      ]),
      resolve,
    );
    expect(decision).toMatchObject({ text: "who directed her", resolution: { intent: "OverviewIntent" } });
    expect(decision.score).toBeCloseTo(0.95);
  });

  it("lets readings from different searches that ask the same thing support each other", () => {
    const alone = decide(transcriptOf([reading("how long is her", 0.4, "phrases")]), resolve);
    expect(alone.resolution).toMatchObject({ intent: "AMAZON.FallbackIntent" });
    const agreeing = decide(
      transcriptOf([
        reading("how long is her", 0.4, "phrases"),
        reading("what is the runtime of her", 0.4, "open"),
        reading("who directed her", 0.45, "domain"),
      ]),
      resolve,
    );
    // 1 - 0.6 x 0.6: either of two independent readings being right.
    expect(agreeing.score).toBeCloseTo(0.64);
    expect(agreeing).toMatchObject({ text: "how long is her", resolution: { intent: "RuntimeIntent" } });
  });

  it("rejects when no reading reaches the threshold, keeping the best reading's words and score", () => {
    const unsure = decide(transcriptOf([reading("how long is her", ANSWER_THRESHOLD - 0.01)]), resolve);
    expect(unsure).toMatchObject({
      text: "how long is her",
      resolution: { intent: "AMAZON.FallbackIntent" },
    });
    expect(unsure.reading).toBeUndefined();
    expect(unsure.score).toBeCloseTo(ANSWER_THRESHOLD - 0.01);
    const sure = decide(transcriptOf([reading("how long is her", ANSWER_THRESHOLD)]), resolve);
    expect(sure.resolution).toMatchObject({ intent: "RuntimeIntent" });
    // A paraphrase the ranker is unsure of needs a surer recognizer than one of the skill's sentences.
    const paraphrase = resolve("how long does it go");
    expect(paraphrase).toMatchObject({ intent: "RuntimeIntent", match: "ranked" });
    expect(paraphrase.kind === "intent" && paraphrase.confidence).toBeLessThan(0.9);
    expect(decide(transcriptOf([reading("how long is her", 0.55)]), resolve).resolution).toMatchObject({
      intent: "RuntimeIntent",
    });
    expect(decide(transcriptOf([reading("how long does it go", 0.55)]), resolve).resolution).toMatchObject({
      intent: "AMAZON.FallbackIntent",
    });
  });

  it("never answers words that mean nothing to the skill, however sure the engine is", () => {
    const decision = decide(
      transcriptOf([reading("who composed the music for interstellar", 1), reading("", 1, "phrases")]),
      resolve,
    );
    expect(decision.resolution).toMatchObject({ intent: "AMAZON.FallbackIntent" });
    expect(decision.text).toBe("who composed the music for interstellar");
  });

  it("hears nothing as Fallback with no words, and the conversation resolves in its own locale", () => {
    expect(decide(transcriptOf([]), resolve)).toMatchObject({
      text: "",
      score: 0,
      resolution: { intent: "AMAZON.FallbackIntent" },
    });
    expect(readTranscript(conversation, transcriptOf([reading("stop", 1)])).resolution).toMatchObject({
      intent: "AMAZON.StopIntent",
    });
  });
});
