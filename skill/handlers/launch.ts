/** Opening the skill: a warm welcome that offers a first question. */
import { getRequestType, type RequestHandler } from "ask-sdk-core";
import { welcome } from "../dialog.js";
import { readSession } from "../session.js";
import { respond } from "./respond.js";

export const launchHandler: RequestHandler = {
  canHandle: (input) => getRequestType(input.requestEnvelope) === "LaunchRequest",
  handle: (input) => respond(input, welcome(readSession(input))),
};
