/** The last resort: any error in a handler is logged and the user hears an apology, never silence. */
import type { ErrorHandler } from "ask-sdk-core";
import { somethingWentWrong } from "../dialog.js";
import type { Logger } from "../logger.js";
import { respond } from "./respond.js";

export function errorHandler(logger: Logger): ErrorHandler {
  return {
    canHandle: () => true,
    handle: (input, error) => {
      logger.error({ err: error, requestId: input.requestEnvelope.request.requestId }, "handler failed");
      return respond(input, somethingWentWrong());
    },
  };
}
