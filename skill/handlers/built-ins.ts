/** Amazon's built-in intents every certified skill answers: help, fallback, stop, cancel, home, session end. */
import { getRequestType, type RequestHandler } from "ask-sdk-core";
import type { SessionEndedRequest } from "ask-sdk-model";
import { fallback, goodbye, help } from "../dialog.js";
import type { Logger } from "../logger.js";
import { isIntent } from "./matchers.js";
import { respond } from "./respond.js";

export const helpHandler: RequestHandler = {
  canHandle: (input) => isIntent(input, "AMAZON.HelpIntent"),
  handle: (input) => respond(input, help()),
};

export const fallbackHandler: RequestHandler = {
  canHandle: (input) => isIntent(input, "AMAZON.FallbackIntent"),
  handle: (input) => respond(input, fallback()),
};

export const exitHandler: RequestHandler = {
  canHandle: (input) =>
    isIntent(input, "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent"),
  handle: (input) => respond(input, goodbye()),
};

/** Alexa ends the session (user said "exit", silence, an error): log why; no speech is allowed. */
export function sessionEndedHandler(logger: Logger): RequestHandler {
  return {
    canHandle: (input) => getRequestType(input.requestEnvelope) === "SessionEndedRequest",
    handle: (input) => {
      const request = input.requestEnvelope.request as SessionEndedRequest;
      logger.info({ reason: request.reason, error: request.error }, "session ended");
      return input.responseBuilder.getResponse();
    },
  };
}

/** Any intent this skill does not know (a stale model, a hand-made request) is treated as out of domain. */
export const unknownIntentHandler: RequestHandler = {
  canHandle: (input) => getRequestType(input.requestEnvelope) === "IntentRequest",
  handle: (input) => respond(input, fallback()),
};
