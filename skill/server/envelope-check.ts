/** Checks that parsed JSON is an Alexa request envelope before the skill sees it, and says what is missing. */
import type { RequestEnvelope } from "ask-sdk-model";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The problem with `value` as a request envelope, or undefined when it is one. */
export function envelopeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "the body is not a JSON object";
  if (typeof value.version !== "string") return "version is missing";
  const { request, context } = value;
  if (!isObject(request)) return "request is missing";
  for (const field of ["type", "requestId", "timestamp"]) {
    if (typeof request[field] !== "string") return `request.${field} is missing`;
  }
  const system = isObject(context) && isObject(context.System) ? context.System : undefined;
  const application = system && isObject(system.application) ? system.application : undefined;
  if (typeof application?.applicationId !== "string")
    return "context.System.application.applicationId is missing";
  if (
    request.type === "IntentRequest" &&
    !(isObject(request.intent) && typeof request.intent.name === "string")
  ) {
    return "request.intent.name is missing";
  }
  return undefined;
}

/** The skill id a request is for: context.System.application (always present), else the session's. */
export function applicationIdOf(envelope: RequestEnvelope): string | undefined {
  return envelope.context?.System?.application?.applicationId ?? envelope.session?.application?.applicationId;
}
