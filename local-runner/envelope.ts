/**
 * Builds the RequestEnvelope Alexa would send for a resolved utterance, with the session the conversation
 * carries, so the local runner invokes the skill exactly as the Alexa service does.
 */
import { randomUUID } from "node:crypto";
import type { IntentRequest, LaunchRequest, RequestEnvelope, SessionEndedRequest, Slot } from "ask-sdk-model";
import type { Locale } from "../interaction-model/index.js";
import type { Resolution } from "./resolver.js";

/** The application id local requests carry; a skill built with another id refuses them, as Alexa's would. */
export const LOCAL_APPLICATION_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000";

export interface SessionContext {
  readonly sessionId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly isNew: boolean;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly locale: Locale;
  readonly applicationId?: string;
}

export function newSessionContext(locale: Locale, applicationId?: string): SessionContext {
  return {
    sessionId: `amzn1.echo-api.session.${randomUUID()}`,
    userId: `amzn1.ask.account.local-${randomUUID()}`,
    deviceId: "amzn1.ask.device.local-runner",
    isNew: true,
    attributes: {},
    locale,
    applicationId,
  };
}

export function envelopeFor(resolution: Resolution, session: SessionContext): RequestEnvelope {
  const common = {
    requestId: `amzn1.echo-api.request.${randomUUID()}`,
    timestamp: new Date().toISOString(),
    locale: session.locale,
  };
  let request: LaunchRequest | IntentRequest | SessionEndedRequest;
  switch (resolution.kind) {
    case "launch":
      request = { type: "LaunchRequest", ...common };
      break;
    case "end":
      request = { type: "SessionEndedRequest", ...common, reason: resolution.reason };
      break;
    case "intent":
      request = {
        type: "IntentRequest",
        ...common,
        dialogState: "STARTED",
        intent: {
          name: resolution.intent,
          confirmationStatus: "NONE",
          slots: Object.fromEntries(
            Object.entries(resolution.slots).map(([name, value]): [string, Slot] => [
              name,
              { name, value, confirmationStatus: "NONE" },
            ]),
          ),
        },
      };
      break;
  }
  const applicationId = session.applicationId ?? LOCAL_APPLICATION_ID;
  const user = { userId: session.userId };
  return {
    version: "1.0",
    session: {
      new: session.isNew,
      sessionId: session.sessionId,
      application: { applicationId },
      attributes: { ...session.attributes },
      user,
    },
    context: {
      System: {
        application: { applicationId },
        user,
        device: { deviceId: session.deviceId, supportedInterfaces: {} },
        apiEndpoint: "https://api.amazonalexa.com",
      },
    },
    request,
  };
}
