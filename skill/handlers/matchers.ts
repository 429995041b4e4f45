/** The questions every handler's canHandle asks of a request. */
import { getIntentName, getRequestType, type HandlerInput } from "ask-sdk-core";

/** The intent's name for an IntentRequest; undefined for any other request type. */
export function intentNameOf(input: HandlerInput): string | undefined {
  return getRequestType(input.requestEnvelope) === "IntentRequest"
    ? getIntentName(input.requestEnvelope)
    : undefined;
}

/** True for an IntentRequest naming one of `names`. */
export function isIntent(input: HandlerInput, ...names: readonly string[]): boolean {
  const name = intentNameOf(input);
  return name !== undefined && names.includes(name);
}
