/** The turns that refer to what was said before: yes or no to an offer, and "repeat that". */
import type { RequestHandler } from "ask-sdk-core";
import { acceptOffer, declineOffer, nothingToRepeat } from "../dialog.js";
import { readSession } from "../session.js";
import { isIntent } from "./matchers.js";
import { respond } from "./respond.js";

export const yesHandler: RequestHandler = {
  canHandle: (input) => isIntent(input, "AMAZON.YesIntent"),
  handle: (input) => respond(input, acceptOffer(readSession(input))),
};

export const noHandler: RequestHandler = {
  canHandle: (input) => isIntent(input, "AMAZON.NoIntent"),
  handle: (input) => respond(input, declineOffer()),
};

/** Says the last response again, word for word, leaving the session as it was. */
export const repeatHandler: RequestHandler = {
  canHandle: (input) => isIntent(input, "AMAZON.RepeatIntent"),
  handle: (input) => {
    const { lastSpeech, lastReprompt } = readSession(input);
    if (!lastSpeech) return respond(input, nothingToRepeat());
    const builder = input.responseBuilder.speak(lastSpeech).withShouldEndSession(false);
    if (lastReprompt) builder.reprompt(lastReprompt);
    return builder.getResponse();
  },
};
