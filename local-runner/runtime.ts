/** The pieces every local command uses: the skill object Lambda runs, and the resolver for a locale. */
import type { Skill } from "ask-sdk-core";
import { LOCALES, type Locale } from "../interaction-model/index.js";
import { createLogger } from "../skill/logger.js";
import { buildSkill } from "../skill/skill.js";
import { Conversation } from "./conversation.js";
import { LocalResolver } from "./resolver.js";

/** An error the user can fix; the CLI prints its message alone and exits with `exitCode`. */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export interface Runtime {
  readonly skill: Skill;
  readonly resolver: LocalResolver;
  readonly locale: Locale;
  conversation(): Conversation;
}

export function parseLocale(value: string): Locale {
  if ((LOCALES as readonly string[]).includes(value)) return value as Locale;
  throw new UserError(`unknown locale "${value}"; choose one of ${LOCALES.join(", ")}`);
}

/**
 * The runtime for a locale. The skill and the resolver are built when first used, so that a command can start
 * slower work first (listen starts its recognizer, which builds on other threads meanwhile).
 */
export function createRuntime(options: { locale?: string; verbose?: boolean } = {}): Runtime {
  const locale = parseLocale(options.locale ?? "en-US");
  let skill: Skill | undefined;
  let resolver: LocalResolver | undefined;
  const runtime: Runtime = {
    get skill() {
      skill ??= buildSkill({ logger: createLogger(options.verbose ? "info" : "silent") });
      return skill;
    },
    get resolver() {
      resolver ??= LocalResolver.forLocale(locale);
      return resolver;
    },
    locale,
    conversation: () => new Conversation({ skill: runtime.skill, resolver: runtime.resolver, locale }),
  };
  return runtime;
}
