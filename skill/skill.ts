/**
 * The her-faq Alexa skill: one skill object, built once, that Lambda, the express endpoint and the local
 * runner all invoke with a RequestEnvelope. Nothing in it knows which door a request came through.
 */
import { type Skill, SkillBuilders } from "ask-sdk-core";
import {
  exitHandler,
  fallbackHandler,
  helpHandler,
  sessionEndedHandler,
  unknownIntentHandler,
} from "./handlers/built-ins.js";
import { noHandler, repeatHandler, yesHandler } from "./handlers/conversation.js";
import { errorHandler } from "./handlers/errors.js";
import { faqAnswerHandler, questionHandler } from "./handlers/faq.js";
import { launchHandler } from "./handlers/launch.js";
import { requestLogger, responseLogger } from "./interceptors/logging.js";
import { rememberLastResponse } from "./interceptors/memory.js";
import { createLogger, type Logger } from "./logger.js";

export interface SkillOptions {
  readonly logger?: Logger;
  /** When set, requests for any other skill id are refused. */
  readonly skillId?: string;
}

export function buildSkill(options: SkillOptions = {}): Skill {
  const logger = options.logger ?? createLogger();
  const builder = SkillBuilders.custom()
    .addRequestHandlers(
      launchHandler,
      faqAnswerHandler,
      questionHandler,
      yesHandler,
      noHandler,
      repeatHandler,
      helpHandler,
      fallbackHandler,
      exitHandler,
      sessionEndedHandler(logger),
      unknownIntentHandler,
    )
    .addErrorHandlers(errorHandler(logger))
    .addRequestInterceptors(requestLogger(logger))
    .addResponseInterceptors(rememberLastResponse, responseLogger(logger))
    .withCustomUserAgent("her-faq");
  if (options.skillId) builder.withSkillId(options.skillId);
  return builder.create();
}
