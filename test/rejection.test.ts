import { describe, expect, it } from "vitest";
import {
  DOMAIN_SUBSTITUTION_FIT_CEILING,
  judgeDomainHypothesis,
  judgeGrammarHypothesis,
  MIN_DOMAIN_FIT,
  MIN_GRAMMAR_FIT,
} from "../local-runner/recognizers/rejection.js";
import { createRuntime } from "../local-runner/runtime.js";
import { APPROXIMATE_MIN_CONFIDENCE, resolveTranscript } from "../local-runner/voice.js";

const vocabulary = new Set(["how", "long", "is", "her", "who", "directed", "the", "music"]);
const rejected = { text: "how long is her", outOfGrammar: true } as const;

describe("telling speech for the skill from the rest", () => {
  it("trusts a grammar sentence that fits, unless the film's name replaced a word heard", () => {
    expect(judgeGrammarHypothesis("how long is her", "how long is her", MIN_GRAMMAR_FIT, vocabulary)).toEqual(
      {
        text: "how long is her",
        confidence: MIN_GRAMMAR_FIT,
      },
    );
    expect(
      judgeGrammarHypothesis("how long is her", "how long is avatar", MIN_GRAMMAR_FIT, vocabulary)
        .outOfGrammar,
    ).toBe(true);
    expect(
      judgeGrammarHypothesis("how long is her", "how long is her", MIN_GRAMMAR_FIT - 1, vocabulary)
        .outOfGrammar,
    ).toBe(true);
  });

  it("takes the domain model's words, marked approximate, only when they fit", () => {
    expect(
      judgeDomainHypothesis("who did the music", "who did the music", MIN_DOMAIN_FIT, vocabulary, rejected),
    ).toEqual({
      text: "who did the music",
      approximate: true,
      confidence: MIN_DOMAIN_FIT,
    });
    expect(judgeDomainHypothesis("who did the music", "", MIN_DOMAIN_FIT - 0.1, vocabulary, rejected)).toBe(
      rejected,
    );
    expect(judgeDomainHypothesis("", "", 50, vocabulary, rejected)).toBe(rejected);
    const poorFit = (MIN_DOMAIN_FIT + DOMAIN_SUBSTITUTION_FIT_CEILING) / 2;
    expect(
      judgeDomainHypothesis("how long is her", "how long is avatar", poorFit, vocabulary, rejected),
    ).toBe(rejected);
    expect(
      judgeDomainHypothesis(
        "how long is her",
        "how long is avatar",
        DOMAIN_SUBSTITUTION_FIT_CEILING,
        vocabulary,
        rejected,
      ).approximate,
    ).toBe(true);
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
});
