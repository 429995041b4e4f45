/**
 * Builds the Alexa interaction model for a locale from the FAQ data: one intent per FAQ, a SearchQuery
 * intent for free-form questions, and the built-ins a certified skill needs. Pure; `generate.ts` writes it.
 */
import { faq, intentNameFor, QUERY_SLOT, QUESTION_INTENT } from "../skill/faq/index.js";
import { normalizeSample } from "./samples.js";
import type { IntentDefinition, InteractionModel, Locale } from "./types.js";

export const INVOCATION_NAME = "her movie guide";

/** Carrier phrases for free-form questions: AMAZON.SearchQuery must never stand alone in a sample. */
export const QUESTION_CARRIERS: readonly string[] = [
  "i have a question {query}",
  "question {query}",
  "i want to know {query}",
  "i'd like to know {query}",
  "i would like to know {query}",
  "can you tell me {query}",
  "tell me {query}",
  "do you know {query}",
  "i wonder {query}",
  "i was wondering {query}",
  "i'm curious {query}",
  "what about {query}",
];

/** Samples that extend AMAZON.HelpIntent with this skill's own ways of asking for help. */
export const HELP_SAMPLES: readonly string[] = [
  "what can i ask",
  "what can i ask you",
  "what questions can you answer",
  "what do you know about",
  "what topics do you know",
];

/** Built-in intents, in the order Amazon's console lists them. */
export const BUILT_IN_INTENTS: readonly string[] = [
  "AMAZON.CancelIntent",
  "AMAZON.HelpIntent",
  "AMAZON.StopIntent",
  "AMAZON.NavigateHomeIntent",
  "AMAZON.FallbackIntent",
  "AMAZON.RepeatIntent",
  "AMAZON.YesIntent",
  "AMAZON.NoIntent",
];

/** British spelling for the locales that use it; Alexa's recognizer writes what the locale spells. */
const BRITISH_SPELLING: Readonly<Record<string, string>> = {
  color: "colour",
  colors: "colours",
  colorful: "colourful",
  theater: "theatre",
  theaters: "theatres",
};

export function buildInteractionModel(locale: Locale): InteractionModel {
  const spell = locale === "en-US" ? (sample: string) => sample : toBritishSpelling;
  const faqIntents: IntentDefinition[] = faq.map((entry) => ({
    name: intentNameFor(entry.id),
    samples: unique([normalizeSample(entry.question), ...entry.samples.map(normalizeSample)].map(spell)),
  }));
  const builtIns: IntentDefinition[] = BUILT_IN_INTENTS.map((name) => ({
    name,
    samples: name === "AMAZON.HelpIntent" ? [...HELP_SAMPLES] : [],
  }));
  return {
    interactionModel: {
      languageModel: {
        invocationName: INVOCATION_NAME,
        modelConfiguration: { fallbackIntentSensitivity: { level: "MEDIUM" } },
        intents: [
          ...faqIntents,
          {
            name: QUESTION_INTENT,
            slots: [{ name: QUERY_SLOT, type: "AMAZON.SearchQuery" }],
            samples: [...QUESTION_CARRIERS],
          },
          ...builtIns,
        ],
        types: [],
      },
    },
  };
}

function toBritishSpelling(sample: string): string {
  return sample
    .split(" ")
    .map((word) => BRITISH_SPELLING[word] ?? word)
    .join(" ");
}

function unique(samples: readonly string[]): string[] {
  return [...new Set(samples)];
}
