/** What the skill remembers within one session, kept in Alexa's session attributes. */
import type { HandlerInput } from "ask-sdk-core";

export interface SessionState {
  /** FAQ ids answered so far, oldest first. */
  readonly asked: readonly string[];
  /** The FAQ id just offered ("Would you like to know ...?"), awaiting yes or no. */
  readonly offered?: string;
  /** The last speech and reprompt, as plain text, for AMAZON.RepeatIntent. */
  readonly lastSpeech?: string;
  readonly lastReprompt?: string;
}

export function readSession(input: HandlerInput): SessionState {
  const attributes = input.attributesManager.getSessionAttributes();
  const asked = Array.isArray(attributes.asked)
    ? attributes.asked.filter((id): id is string => typeof id === "string")
    : [];
  return {
    asked,
    offered: typeof attributes.offered === "string" ? attributes.offered : undefined,
    lastSpeech: typeof attributes.lastSpeech === "string" ? attributes.lastSpeech : undefined,
    lastReprompt: typeof attributes.lastReprompt === "string" ? attributes.lastReprompt : undefined,
  };
}

/** Merges `changes` into the session; an `undefined` value removes that attribute. */
export function updateSession(input: HandlerInput, changes: Partial<SessionState>): void {
  const attributes: Record<string, unknown> = {
    ...input.attributesManager.getSessionAttributes(),
    ...changes,
  };
  for (const [key, value] of Object.entries(attributes)) if (value === undefined) delete attributes[key];
  input.attributesManager.setSessionAttributes(attributes);
}
