/** The pieces every local command uses: the skill object Lambda runs, and the resolver for a locale. */
import type { Skill } from "ask-sdk-core";
import type { Locale } from "../interaction-model/index.js";
import { createLogger } from "../skill/logger.js";
import { buildSkill } from "../skill/skill.js";
import { Conversation } from "./conversation.js";
import { LocalResolver } from "./resolver.js";
import { parseLocale } from "./user-error.js";

export interface Runtime {
  readonly skill: Skill;
  readonly resolver: LocalResolver;
  readonly locale: Locale;
  conversation(): Conversation;
}

export function createRuntime(options: { locale?: string; verbose?: boolean } = {}): Runtime {
  const locale = parseLocale(options.locale ?? "en-US");
  const skill = buildSkill({ logger: createLogger(options.verbose ? "info" : "silent") });
  const resolver = LocalResolver.forLocale(locale);
  return { skill, resolver, locale, conversation: () => new Conversation({ skill, resolver, locale }) };
}
