/**
 * The ASK CLI skill package: skill.json (the manifest Amazon publishes) and the interaction models under
 * skill-package/interactionModels/custom, generated with the models so `ask deploy` ships what was tested.
 */
import { faq } from "../skill/faq/index.js";
import { INVOCATION_NAME } from "./build.js";
import { normalizeSample } from "./samples.js";
import { LOCALES } from "./types.js";

const SKILL_NAME = "Her Movie Guide";

/** Alexa's example phrases: the first opens the skill, the others must be samples of the model. */
export function examplePhrases(): string[] {
  const sample = (id: string) => normalizeSample(faq.find((entry) => entry.id === id)?.question ?? "");
  return [
    `Alexa, open ${INVOCATION_NAME}`,
    `Alexa, ask ${INVOCATION_NAME} ${sample("music")}`,
    `Alexa, ask ${INVOCATION_NAME} ${sample("runtime")}`,
  ];
}

export function skillManifest(): object {
  const description = [
    `${SKILL_NAME} answers questions about Spike Jonze's 2013 film Her: what it is about, who stars in it,`,
    "when it came out, where it was filmed, its music, its awards, its ending, and what the colour red, its",
    "title and its setting mean. Ask in your own words; after each answer it offers another question you",
    `have not asked yet. Topics: ${faq.map((entry) => entry.topic).join("; ")}.`,
  ].join(" ");
  const locale = {
    name: SKILL_NAME,
    summary: "Answers questions about Spike Jonze's film Her.",
    description,
    examplePhrases: examplePhrases(),
    keywords: ["her", "spike jonze", "movie", "film", "samantha", "theodore", "trivia"],
  };
  return {
    manifest: {
      manifestVersion: "1.0",
      publishingInformation: {
        locales: Object.fromEntries(LOCALES.map((name) => [name, locale])),
        isAvailableWorldwide: true,
        testingInstructions:
          "Say 'open her movie guide', then ask about the film, for example 'who composed the music'. " +
          "Answer yes to hear the offered question, say help for the topics, or stop to end.",
        category: "MOVIE_INFO",
        distributionCountries: [],
      },
      privacyAndCompliance: {
        allowsPurchases: false,
        usesPersonalInfo: false,
        isChildDirected: false,
        isExportCompliant: true,
        containsAds: false,
        locales: Object.fromEntries(LOCALES.map((name) => [name, {}])),
      },
      apis: { custom: {} },
    },
  };
}

export const ASK_RESOURCES = {
  askcliResourcesVersion: "2020-03-31",
  profiles: {
    default: {
      skillMetadata: { src: "./skill-package" },
      code: { default: { src: "./dist/lambda" } },
      skillInfrastructure: {
        type: "@ask-cli/lambda-deployer",
        userConfig: { runtime: "nodejs20.x", handler: "index.handler", awsRegion: "us-east-1" },
      },
    },
  },
};
