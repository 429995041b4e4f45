/** Builders shared by the tests: the real skill (quiet) and envelopes made as the local runner makes them. */
import type { RequestEnvelope, ResponseEnvelope } from "ask-sdk-model";
import { envelopeFor, newSessionContext } from "../local-runner/envelope.js";
import type { Resolution } from "../local-runner/resolver.js";
import { createLogger } from "../skill/logger.js";
import { buildSkill } from "../skill/skill.js";

export const quietSkill = () => buildSkill({ logger: createLogger("silent") });

export function intentEnvelope(
  intent: string,
  slots: Record<string, string> = {},
  attributes: Record<string, unknown> = {},
): RequestEnvelope {
  return envelope({ kind: "intent", intent, slots, match: "exact", confidence: 1 }, attributes);
}

export function envelope(resolution: Resolution, attributes: Record<string, unknown> = {}): RequestEnvelope {
  return envelopeFor(resolution, {
    ...newSessionContext("en-US"),
    attributes,
    isNew: Object.keys(attributes).length === 0,
  });
}

export function ssmlOf(response: ResponseEnvelope): string {
  const speech = response.response.outputSpeech;
  return speech && speech.type === "SSML" ? speech.ssml : "";
}
