/**
 * Drives the BUILT Lambda bundle (dist/lambda/index.js, CommonJS) with virtual-alexa and the committed
 * en-US interaction model, the way Alexa would call the deployed function. `npm test` builds first.
 *
 * virtual-alexa's quirks: it matches an utterance against the model's samples exactly (after dropping
 * punctuation) and throws when none matches; and any utterance containing ask, open, launch, tell or
 * "talk to" is taken for a launch request. Questions outside the samples therefore go through `intend`.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { VirtualAlexa } from "virtual-alexa";
import { beforeAll, describe, expect, it } from "vitest";
import { faq, intentNameFor } from "../skill/faq/index.js";
import { ssmlToText } from "../skill/speech/ssml.js";

const LAMBDA_FILE = fileURLToPath(new URL("../dist/lambda/index.js", import.meta.url));
/** virtual-alexa wants "<file without .js>.<export>", resolved against the cwd unless absolute. */
const HANDLER = `${LAMBDA_FILE.slice(0, -".js".length)}.handler`;
const MODEL_FILE = fileURLToPath(new URL("../interaction-model/en-US.json", import.meta.url));
const APPLICATION_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555";

interface ModelIntent {
  readonly name: string;
  readonly samples?: readonly string[];
}
const model = JSON.parse(readFileSync(MODEL_FILE, "utf8")) as {
  interactionModel: { languageModel: { intents: readonly ModelIntent[] } };
};
const samplesOf = (intent: string): readonly string[] =>
  model.interactionModel.languageModel.intents.find((candidate) => candidate.name === intent)?.samples ?? [];

/** "What is the significance of the film's setting in Her?" -> "what is the significance of the film's setting in her". */
const spoken = (question: string) =>
  question
    .toLowerCase()
    .replace(/[^a-z0-9' ]/g, "")
    .trim();

/** What virtual-alexa looks for anywhere in an utterance to call it a launch request, dropping the question. */
const LAUNCH_WORDS = /(ask|open|launch|talk to|tell)/i;

/** Imported in beforeAll, once the environment below is set. */
let Alexa: typeof VirtualAlexa;

const MISSING_BUILD = `The Lambda bundle ${LAMBDA_FILE} is missing: run \`npm run build\` first (\`npm test\` builds before vitest).`;

/** A fresh device and session; every test fails, with the reason, when the bundle was not built. */
function newAlexa(): VirtualAlexa {
  if (!existsSync(LAMBDA_FILE)) throw new Error(MISSING_BUILD);
  return Alexa.Builder()
    .handler(HANDLER)
    .interactionModelFile(MODEL_FILE)
    .applicationID(APPLICATION_ID)
    .create();
}

type Reply = Awaited<ReturnType<VirtualAlexa["launch"]>>;
const speechOf = (reply: Reply) => ssmlToText(reply.prompt() ?? "");

beforeAll(async () => {
  // Read once, when virtual-alexa first requires the bundle: no JSON logs in the test output, and the skill
  // checks the application id the way a deployed one does. aws-sdk (in virtual-alexa) reads its own on load.
  process.env.LOG_LEVEL = "silent";
  process.env.ALEXA_SKILL_ID = APPLICATION_ID;
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";
  ({ VirtualAlexa: Alexa } = await import("virtual-alexa"));
});

describe("the built Lambda handler, driven by virtual-alexa", () => {
  it("has a bundle to drive", () => {
    expect(existsSync(LAMBDA_FILE), MISSING_BUILD).toBe(true);
  });

  it("welcomes on launch and offers the overview", async () => {
    const reply = await newAlexa().launch();
    expect(speechOf(reply)).toMatch(
      /^Hi\. I'm so glad you're here\. I know a lot about Spike Jonze's film Her\./,
    );
    expect(speechOf(reply)).toContain("Would you like to hear what Her is about?");
    expect(ssmlToText(reply.reprompt())).toContain("Or say help to hear what I can tell you.");
    expect(reply.response.shouldEndSession).toBe(false);
    expect(reply.sessionAttributes).toMatchObject({ asked: [], offered: "overview" });
  });

  describe("answers every seed question", () => {
    for (const entry of faq) {
      const utterance = spoken(entry.question);
      it(`"${utterance}"`, async () => {
        expect(
          samplesOf(intentNameFor(entry.id)),
          "the seed question must be a sample of its intent",
        ).toContain(utterance);
        expect(utterance, "virtual-alexa would take this for a launch request").not.toMatch(LAUNCH_WORDS);

        const reply = await newAlexa().utter(utterance);
        expect(speechOf(reply).startsWith(entry.answer), speechOf(reply)).toBe(true);
        expect(reply.cardTitle()).toBe(entry.question);
        expect(reply.cardContent()).toBe(entry.answer);
        expect(reply.response.shouldEndSession).toBe(false);
        expect(reply.sessionAttributes).toMatchObject({ asked: [entry.id] });
      });
    }
  });

  it("ends the session on stop, with a goodbye", async () => {
    const alexa = newAlexa();
    await alexa.launch();
    const reply = await alexa.utter("stop");
    expect(speechOf(reply)).toBe("Okay. It was lovely talking with you. Goodbye.");
    expect(reply.response.shouldEndSession).toBe(true);
    expect(reply.response.reprompt).toBeUndefined();
  });

  it("keeps the session between turns: yes accepts the offer, repeat says it again", async () => {
    const alexa = newAlexa();
    await alexa.launch();
    const yes = await alexa.intend("AMAZON.YesIntent");
    expect(speechOf(yes)).toContain("science-fiction romantic drama");
    expect(yes.sessionAttributes).toMatchObject({ asked: ["overview"], offered: "cast" });

    const again = await alexa.intend("AMAZON.RepeatIntent");
    expect(again.prompt()).toBe(yes.prompt());
    expect(again.prompt()?.match(/<speak>/g)).toHaveLength(1);
    expect(again.reprompt()).toBe(yes.reprompt());
  });

  it("answers a question carried in the SearchQuery slot", async () => {
    const reply = await newAlexa().intend("QuestionIntent", { query: "where was it filmed" });
    expect(speechOf(reply)).toContain("primarily filmed in Los Angeles, California");
  });

  it("falls back on what it does not know", async () => {
    const reply = await newAlexa().intend("AMAZON.FallbackIntent");
    expect(speechOf(reply)).toContain("I'm not sure about that one");
    expect(reply.response.shouldEndSession).toBe(false);
  });

  it("throws on an utterance matching no sample (virtual-alexa, not the skill)", () => {
    expect(() => newAlexa().utter("who directed jaws")).toThrow(/Unable to match utterance/);
  });
});
