/** AWS Lambda entry: `handler` invokes the skill, built once per container and reused while it is warm. */
import type { RequestEnvelope, ResponseEnvelope } from "ask-sdk-model";
import { buildSkill } from "./skill.js";

const skill = buildSkill({ skillId: process.env.ALEXA_SKILL_ID || undefined });

export const handler = (event: RequestEnvelope, context?: unknown): Promise<ResponseEnvelope> =>
  skill.invoke(event, context);
