import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildInteractionModel, INVOCATION_NAME } from "../interaction-model/build.js";
import { MIN_SAMPLES_PER_FAQ_INTENT, modelFileText, staleFiles } from "../interaction-model/generate.js";
import { checkInteractionModel, checkInvocationName } from "../interaction-model/rules.js";
import { examplePhrases, skillManifest } from "../interaction-model/skill-package.js";
import { type InteractionModel, LOCALES } from "../interaction-model/types.js";
import { faq, intentNameFor } from "../skill/faq/index.js";
import { repoRoot } from "./paths.js";

const withIntents = (
  model: InteractionModel,
  change: (
    intents: InteractionModel["interactionModel"]["languageModel"]["intents"],
  ) => InteractionModel["interactionModel"]["languageModel"]["intents"],
): InteractionModel => ({
  interactionModel: {
    languageModel: {
      ...model.interactionModel.languageModel,
      intents: change(model.interactionModel.languageModel.intents),
    },
  },
});

describe("interaction models", () => {
  it.each(LOCALES)(
    "%s is committed exactly as the generator writes it (run `npm run model` if not)",
    (locale) => {
      const committed = readFileSync(join(repoRoot, "interaction-model", `${locale}.json`), "utf8");
      expect(committed).toBe(modelFileText(locale));
    },
  );

  it.each(LOCALES)("%s obeys Amazon's rules", (locale) => {
    expect(
      checkInteractionModel(buildInteractionModel(locale), {
        minSamplesPerFaqIntent: MIN_SAMPLES_PER_FAQ_INTENT,
      }),
    ).toEqual([]);
  });

  it("has one intent per FAQ, the SearchQuery intent and the certification built-ins", () => {
    const names = buildInteractionModel("en-US").interactionModel.languageModel.intents.map(
      (intent) => intent.name,
    );
    for (const entry of faq) expect(names).toContain(intentNameFor(entry.id));
    for (const builtIn of ["Help", "Stop", "Cancel", "Fallback", "NavigateHome", "Repeat", "Yes", "No"]) {
      expect(names).toContain(`AMAZON.${builtIn}Intent`);
    }
    const question = buildInteractionModel("en-US").interactionModel.languageModel.intents.find(
      (i) => i.name === "QuestionIntent",
    );
    expect(question?.slots).toEqual([{ name: "query", type: "AMAZON.SearchQuery" }]);
  });

  it("spells the samples the British way outside en-US", () => {
    const samples = (locale: (typeof LOCALES)[number]) =>
      buildInteractionModel(locale).interactionModel.languageModel.intents.flatMap(
        (intent) => intent.samples,
      );
    expect(samples("en-US")).toContain("what does the color red mean in her");
    expect(samples("en-GB")).toContain("what does the colour red mean in her");
    expect(samples("en-GB").some((sample) => /\bcolor\b/.test(sample))).toBe(false);
  });
});

describe("the ASK CLI skill package", () => {
  it("is committed exactly as generated: manifest, ask-resources.json and every locale's model", () => {
    expect(staleFiles(repoRoot)).toEqual([]);
  });

  it("publishes every locale with example phrases Alexa will accept", () => {
    const manifest = skillManifest() as {
      manifest: { publishingInformation: { locales: Record<string, { examplePhrases: string[] }> } };
    };
    expect(Object.keys(manifest.manifest.publishingInformation.locales)).toEqual([...LOCALES]);
    const [open, ...asks] = examplePhrases();
    expect(open).toBe(`Alexa, open ${INVOCATION_NAME}`);
    const samples = buildInteractionModel("en-US").interactionModel.languageModel.intents.flatMap(
      (intent) => intent.samples,
    );
    for (const phrase of asks) {
      const prefix = `Alexa, ask ${INVOCATION_NAME} `;
      expect(phrase.startsWith(prefix), phrase).toBe(true);
      expect(samples).toContain(phrase.slice(prefix.length));
    }
  });
});

describe("Amazon's rules catch", () => {
  const good = buildInteractionModel("en-US");
  const problemsWith = (model: InteractionModel) =>
    checkInteractionModel(model, { minSamplesPerFaqIntent: 20 });

  it("digits, symbols and overlong samples", () => {
    const model = withIntents(good, (intents) => [
      ...intents,
      { name: "BadIntent", samples: ["is it 126 minutes", "what about r&d", `a${" long".repeat(50)}`] },
    ]);
    const problems = problemsWith(model).join("\n");
    expect(problems).toMatch(/"is it 126 minutes" has digits/);
    expect(problems).toMatch(/"what about r&d" may hold only/);
    expect(problems).toMatch(/longer than 200 characters/);
  });

  it("the same sample in two intents", () => {
    const model = withIntents(good, (intents) => [
      ...intents,
      { name: "CopyIntent", samples: ["how long is her"] },
    ]);
    expect(problemsWith(model).join("\n")).toMatch(
      /"how long is her" is in both RuntimeIntent and CopyIntent/,
    );
  });

  it("undeclared and unused slots, a SearchQuery slot alone or beside another slot", () => {
    const model = withIntents(good, (intents) => [
      ...intents,
      { name: "SlotIntent", slots: [{ name: "film", type: "AMAZON.Movie" }], samples: ["who is {actor}"] },
      {
        name: "SearchIntent",
        slots: [
          { name: "q", type: "AMAZON.SearchQuery" },
          { name: "x", type: "AMAZON.NUMBER" },
        ],
        samples: ["{q}", "find {x}"],
      },
    ]);
    const problems = problemsWith(model).join("\n");
    expect(problems).toMatch(/undeclared slot \{actor\}/);
    expect(problems).toMatch(/slot \{film\} is declared but no sample uses it/);
    expect(problems).toMatch(/AMAZON.SearchQuery slot alone/);
    expect(problems).toMatch(/may have no other slot/);
  });

  it("a missing required built-in and samples on FallbackIntent", () => {
    const model = withIntents(good, (intents) =>
      intents
        .filter((intent) => intent.name !== "AMAZON.StopIntent")
        .map((intent) =>
          intent.name === "AMAZON.FallbackIntent" ? { ...intent, samples: ["whatever"] } : intent,
        ),
    );
    const problems = problemsWith(model).join("\n");
    expect(problems).toMatch(/AMAZON.StopIntent is missing/);
    expect(problems).toMatch(/FallbackIntent may not have samples/);
  });

  it("an FAQ intent with too few samples", () => {
    const model = withIntents(good, (intents) => [
      ...intents,
      { name: "ThinIntent", samples: ["a thin question"] },
    ]);
    expect(problemsWith(model).join("\n")).toMatch(/ThinIntent has 1 samples; at least 20/);
  });

  it("invocation names Amazon refuses", () => {
    expect(checkInvocationName(INVOCATION_NAME)).toEqual([]);
    expect(checkInvocationName("guide").join()).toMatch(/at least two words/);
    expect(checkInvocationName("alexa movie guide").join()).toMatch(/reserved word "alexa"/);
    expect(checkInvocationName("open movie guide").join()).toMatch(/launch word "open"/);
    expect(checkInvocationName("guide to her").join()).toMatch(/connecting word "to"/);
    expect(checkInvocationName("Her Guide 2").join()).toMatch(/only lowercase letters/);
  });
});
