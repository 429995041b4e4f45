/**
 * Answering the FAQ: one generic handler for every FAQ intent (the intent name says which entry), and the
 * SearchQuery handler that ranks a free-form question against the FAQ and answers only when confident.
 */
import { getSlotValue, type RequestHandler } from "ask-sdk-core";
import { answer, fallback } from "../dialog.js";
import { faqForIntent, QUERY_SLOT, QUESTION_INTENT } from "../faq/index.js";
import { matchFaq } from "../faq/ranking.js";
import { readSession } from "../session.js";
import { intentNameOf } from "./matchers.js";
import { respond } from "./respond.js";

export const faqAnswerHandler: RequestHandler = {
  canHandle: (input) => faqForIntent(intentNameOf(input) ?? "") !== undefined,
  handle: (input) => {
    const entry = faqForIntent(intentNameOf(input) ?? "");
    return respond(input, entry ? answer(entry, readSession(input)) : fallback());
  },
};

export const questionHandler: RequestHandler = {
  canHandle: (input) => intentNameOf(input) === QUESTION_INTENT,
  handle: (input) => {
    const query = getSlotValue(input.requestEnvelope, QUERY_SLOT) ?? "";
    const match = matchFaq(query);
    return respond(input, match ? answer(match.entry, readSession(input)) : fallback());
  },
};
