import { describe, expect, it } from "vitest";
import {
  MIN_DOMAIN_FIT,
  MIN_GRAMMAR_FIT,
  trustedDomainReading,
  trustedGrammarReading,
} from "../local-runner/recognizers/rejection.js";
import { createRuntime } from "../local-runner/runtime.js";
import { APPROXIMATE_MIN_CONFIDENCE, readTranscript, resolveTranscript } from "../local-runner/voice.js";

describe("telling speech for the skill from the rest", () => {
  it("trusts a grammar sentence only when it fits about as well as open English", () => {
    expect(trustedGrammarReading("how long is her", MIN_GRAMMAR_FIT)).toEqual({
      text: "how long is her",
      confidence: MIN_GRAMMAR_FIT,
    });
    expect(trustedGrammarReading("how long is her", MIN_GRAMMAR_FIT - 0.1)).toBeUndefined();
    expect(trustedGrammarReading("", 50)).toBeUndefined();
  });

  it("takes the domain model's words, marked approximate, only when they fit", () => {
    expect(trustedDomainReading("who did the music", MIN_DOMAIN_FIT)).toEqual({
      text: "who did the music",
      approximate: true,
      confidence: MIN_DOMAIN_FIT,
    });
    expect(trustedDomainReading("who did the music", MIN_DOMAIN_FIT - 0.1)).toBeUndefined();
    expect(trustedDomainReading("", 50)).toBeUndefined();
  });

  it("asks the resolver to be surer of an approximate transcript than of typed text", () => {
    const conversation = createRuntime().conversation();
    const unsure = "how long does it go";
    const typed = conversation.resolve(unsure);
    expect(typed).toMatchObject({ intent: "RuntimeIntent", match: "ranked" });
    expect(typed.kind === "intent" && typed.confidence).toBeLessThan(APPROXIMATE_MIN_CONFIDENCE);
    expect(resolveTranscript(conversation, { text: unsure })).toEqual(typed);
    expect(resolveTranscript(conversation, { text: unsure, approximate: true })).toMatchObject({
      intent: "AMAZON.FallbackIntent",
    });
    expect(
      resolveTranscript(conversation, { text: "the year it came out", approximate: true }),
    ).toMatchObject({
      intent: "ReleaseDateIntent",
    });
    // An exact phrase is as sure when heard approximately.
    expect(resolveTranscript(conversation, { text: "stop", approximate: true })).toMatchObject({
      intent: "AMAZON.StopIntent",
    });
    expect(resolveTranscript(conversation, { text: "how long is her", outOfGrammar: true })).toMatchObject({
      intent: "AMAZON.FallbackIntent",
    });
  });

  it("acts on the first reading of the audio that means something to the skill", () => {
    const conversation = createRuntime().conversation();
    // The first reading is acted on, even when a later one means something else.
    expect(
      readTranscript(conversation, {
        text: "who directed the film her",
        alternative: { text: "when was her released", confidence: 20 },
      }),
    ).toMatchObject({
      transcript: { text: "who directed the film her" },
      resolution: { intent: "OverviewIntent" },
    });
    // The first two mean nothing: the third is answered, and its words are what was heard.
    const domain = { text: "who was the director of her", approximate: true };
    expect(
      readTranscript(conversation, {
        text: "who directly fur",
        alternative: { text: "", alternative: domain },
      }),
    ).toMatchObject({ transcript: domain, resolution: { intent: "OverviewIntent" } });
    // No reading means anything: Fallback, with the first reading's words.
    expect(
      readTranscript(conversation, {
        text: "who composed the music for interstellar",
        alternative: { text: "who composed the music for her", outOfGrammar: true },
      }),
    ).toMatchObject({
      transcript: { text: "who composed the music for interstellar" },
      resolution: { intent: "AMAZON.FallbackIntent" },
    });
  });
});
