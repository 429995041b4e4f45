/** One structured log line per request and per response, so a session can be followed in the logs. */
import { getRequestType, type RequestInterceptor, type ResponseInterceptor } from "ask-sdk-core";
import type { IntentRequest } from "ask-sdk-model";
import type { Logger } from "../logger.js";

export function requestLogger(logger: Logger): RequestInterceptor {
  return {
    process: (input) => {
      const { request, session } = input.requestEnvelope;
      const intent = request.type === "IntentRequest" ? (request as IntentRequest).intent.name : undefined;
      logger.info(
        {
          requestId: request.requestId,
          type: getRequestType(input.requestEnvelope),
          intent,
          newSession: session?.new,
        },
        "request",
      );
    },
  };
}

export function responseLogger(logger: Logger): ResponseInterceptor {
  return {
    process: (input, response) => {
      const speech = response?.outputSpeech;
      logger.info(
        {
          requestId: input.requestEnvelope.request.requestId,
          endSession: response?.shouldEndSession,
          speechLength: speech && "ssml" in speech ? speech.ssml.length : 0,
        },
        "response",
      );
    },
  };
}
