/** Applies a dialog `Reply` to Alexa's response and the session: the one place handlers build output. */
import type { HandlerInput } from "ask-sdk-core";
import type { Response } from "ask-sdk-model";
import type { Reply } from "../dialog.js";
import { readSession, updateSession } from "../session.js";
import { speechOf } from "../speech/ssml.js";

export function respond(input: HandlerInput, reply: Reply): Response {
  const builder = input.responseBuilder.speak(speechOf(...reply.speech));
  if (reply.reprompt && !reply.endSession) builder.reprompt(speechOf(...reply.reprompt));
  if (reply.card) builder.withSimpleCard(reply.card.title, reply.card.content);
  builder.withShouldEndSession(reply.endSession);
  if (input.requestEnvelope.session) {
    const { asked } = readSession(input);
    updateSession(input, {
      asked: reply.answered && !asked.includes(reply.answered) ? [...asked, reply.answered] : asked,
      offered: reply.offered,
    });
  }
  return builder.getResponse();
}
