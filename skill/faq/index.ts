/** Lookups over the FAQ data: by id and by the Alexa intent name generated from each id. */
import { faq } from "./data.js";
import type { FaqEntry } from "./types.js";

export { faq };

/** The intent that carries a free-form question in its AMAZON.SearchQuery slot `query`. */
export const QUESTION_INTENT = "QuestionIntent";
export const QUERY_SLOT = "query";
export type { FaqEntry };

/** "filming-location" -> "FilmingLocationIntent": the published intent name for an FAQ id. */
export function intentNameFor(id: string): string {
  const pascal = id
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
  return `${pascal}Intent`;
}

const byIntentName = new Map(faq.map((entry) => [intentNameFor(entry.id), entry]));
const byId = new Map(faq.map((entry) => [entry.id, entry]));

export function faqForIntent(intentName: string): FaqEntry | undefined {
  return byIntentName.get(intentName);
}

export function faqById(id: string): FaqEntry | undefined {
  return byId.get(id);
}
