import type { ResponseEnvelope, ui } from "ask-sdk-model";
import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { faq, intentNameFor } from "../skill/faq/index.js";
import { createLogger } from "../skill/logger.js";
import { buildSkill } from "../skill/skill.js";
import { ssmlToText } from "../skill/speech/ssml.js";
import { envelope, intentEnvelope, quietSkill, ssmlOf } from "./helpers.js";

const skill = quietSkill();
const said = (response: ResponseEnvelope) => ssmlToText(ssmlOf(response));

/** Alexa's limits on every response: speech under 8000 characters, whole response at most 24 KB, valid SSML. */
function expectWithinAlexaLimits(response: ResponseEnvelope): void {
  const ssml = ssmlOf(response);
  if (ssml !== "") {
    expect(XMLValidator.validate(ssml), ssml).toBe(true);
    expect(ssml.length).toBeLessThan(8000);
  }
  expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(24 * 1024);
}

describe("the skill", () => {
  it("welcomes warmly on launch, with an example question and an offer", async () => {
    const response = await skill.invoke(envelope({ kind: "launch" }));
    expect(said(response)).toMatch(/film Her/);
    expect(said(response)).toMatch(/Would you like to hear what Her is about\?/);
    expect(response.response.shouldEndSession).toBe(false);
    expect(response.sessionAttributes?.offered).toBe("overview");
    expectWithinAlexaLimits(response);
  });

  it.each(faq.map((entry) => [intentNameFor(entry.id), entry] as const))(
    "answers %s as written, with a card",
    async (intent, entry) => {
      const response = await skill.invoke(intentEnvelope(intent));
      expect(said(response).startsWith(entry.answer)).toBe(true);
      const card = response.response.card as ui.SimpleCard;
      expect(card).toEqual({ type: "Simple", title: entry.question, content: entry.answer });
      expect(response.response.shouldEndSession).toBe(false);
      expect(response.sessionAttributes?.asked).toEqual([entry.id]);
      expectWithinAlexaLimits(response);
    },
  );

  it("offers a question not yet asked, and answers it on yes", async () => {
    const first = await skill.invoke(
      intentEnvelope("CastIntent", {}, { asked: ["overview", "release-date"] }),
    );
    expect(first.sessionAttributes?.offered).toBe("filming-location");
    const yes = await skill.invoke(intentEnvelope("AMAZON.YesIntent", {}, first.sessionAttributes));
    expect(said(yes)).toContain("Los Angeles, California");
    expect(yes.sessionAttributes?.asked).toEqual(["overview", "release-date", "cast", "filming-location"]);
  });

  it("says when everything has been asked instead of offering", async () => {
    const allButOne = faq.slice(1).map((entry) => entry.id);
    const response = await skill.invoke(intentEnvelope("OverviewIntent", {}, { asked: allButOne }));
    expect(said(response)).toContain("That's everything I know about Her.");
    expect(response.sessionAttributes?.offered).toBeUndefined();
  });

  it("asks which to hear again when yes follows everything having been asked", async () => {
    const response = await skill.invoke(
      intentEnvelope("AMAZON.YesIntent", {}, { asked: faq.map((entry) => entry.id) }),
    );
    expect(said(response)).toMatch(/You've heard everything I know about Her/);
    expect(response.response.shouldEndSession).toBe(false);
  });

  it("answers a free-form SearchQuery when confident, and otherwise says what it can answer", async () => {
    const known = await skill.invoke(intentEnvelope("QuestionIntent", { query: "who played theodore" }));
    expect(said(known)).toContain("Joaquin Phoenix");
    for (const query of ["who won the world cup", ""]) {
      const unknown = await skill.invoke(intentEnvelope("QuestionIntent", { query }));
      expect(said(unknown)).toMatch(/I only know about the film Her/);
      expect(unknown.response.shouldEndSession).toBe(false);
    }
  });

  it("lists what can be asked on help and keeps the session open", async () => {
    const response = await skill.invoke(intentEnvelope("AMAZON.HelpIntent"));
    for (const entry of faq) expect(said(response)).toContain(entry.topic);
    expect(response.response.shouldEndSession).toBe(false);
    expectWithinAlexaLimits(response);
  });

  it.each(["AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent", "AMAZON.NoIntent"])(
    "ends the session on %s",
    async (intent) => {
      const response = await skill.invoke(intentEnvelope(intent));
      expect(said(response)).toMatch(/Goodbye/);
      expect(response.response.shouldEndSession).toBe(true);
    },
  );

  it("repeats the last response word for word, or says nothing was said yet", async () => {
    const answer = await skill.invoke(intentEnvelope("RuntimeIntent"));
    const repeat = await skill.invoke(intentEnvelope("AMAZON.RepeatIntent", {}, answer.sessionAttributes));
    expect(ssmlOf(repeat)).toBe(ssmlOf(answer));
    const nothing = await skill.invoke(intentEnvelope("AMAZON.RepeatIntent"));
    expect(said(nothing)).toMatch(/I haven't said anything yet/);
  });

  it("treats fallback and intents it does not know as out of domain", async () => {
    for (const intent of ["AMAZON.FallbackIntent", "NoSuchIntent"]) {
      const response = await skill.invoke(intentEnvelope(intent));
      expect(said(response)).toMatch(/not sure about that one/);
      expect(response.response.shouldEndSession).toBe(false);
    }
  });

  it("answers SessionEndedRequest with no speech", async () => {
    const response = await skill.invoke(envelope({ kind: "end", reason: "USER_INITIATED" }));
    expect(response.response.outputSpeech).toBeUndefined();
  });

  it("apologises instead of failing when a request is malformed", async () => {
    const broken = intentEnvelope("RuntimeIntent");
    // An IntentRequest without an intent: what a hand-made or corrupted request might look like.
    delete (broken.request as { intent?: unknown }).intent;
    const response = await skill.invoke(broken);
    expect(said(response)).toMatch(/something went wrong on my side/);
    expect(response.response.shouldEndSession).toBe(false);
  });

  it("refuses requests for another skill when built with a skill id", async () => {
    const guarded = buildSkill({ logger: createLogger("silent"), skillId: "amzn1.ask.skill.expected" });
    await expect(guarded.invoke(intentEnvelope("RuntimeIntent"))).rejects.toThrow(/skill id/i);
  });
});
