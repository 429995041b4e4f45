/** Remembers the last thing said in the session, so AMAZON.RepeatIntent can say it again. */
import type { ResponseInterceptor } from "ask-sdk-core";
import type { ui } from "ask-sdk-model";
import { updateSession } from "../session.js";

const ssmlOf = (speech: ui.OutputSpeech | undefined) =>
  speech && "ssml" in speech && typeof speech.ssml === "string" ? speech.ssml : undefined;

export const rememberLastResponse: ResponseInterceptor = {
  process: (input, response) => {
    const lastSpeech = ssmlOf(response?.outputSpeech);
    if (!input.requestEnvelope.session || !lastSpeech || response?.shouldEndSession) return;
    updateSession(input, { lastSpeech, lastReprompt: ssmlOf(response?.reprompt?.outputSpeech) });
  },
};
