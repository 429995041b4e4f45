/**
 * A small Alexa NLU: resolves what someone said or typed to a LaunchRequest, an intent with slots, or the
 * end of the session, using the committed interaction model. Exact samples first, then the SearchQuery
 * carrier phrases, then the calibrated ranker; anything it is not confident about goes to Fallback.
 */
import type { InteractionModel, Locale } from "../interaction-model/index.js";
import { interactionModelFor } from "../interaction-model/index.js";
import { intentNameFor } from "../skill/faq/index.js";
import { createRanker, FAQ_CONFIDENCE_THRESHOLD } from "../skill/faq/ranking.js";
import type { IntentRanker } from "../skill/text/intent-ranker.js";
import { MAX_UTTERANCE_LENGTH, normalizeUtterance } from "../skill/text/normalize.js";
import { BUILT_IN_PHRASES, EXIT_PHRASES, LAUNCH_VERBS, ONE_SHOT_VERBS } from "./built-in-phrases.js";

export const FALLBACK_INTENT = "AMAZON.FallbackIntent";

/** How an intent was found: the resolver's own account, for --json output and the eval's misses. */
export type MatchKind = "exact" | "carrier" | "ranked" | "fallback";

export type Resolution =
  | { readonly kind: "launch" }
  | { readonly kind: "end"; readonly reason: "USER_INITIATED" | "EXCEEDED_MAX_REPROMPTS" }
  | {
      readonly kind: "intent";
      readonly intent: string;
      readonly slots: Readonly<Record<string, string>>;
      readonly match: MatchKind;
      readonly confidence: number;
    };

interface Carrier {
  readonly pattern: RegExp;
  readonly intent: string;
  readonly slot: string;
}

export class LocalResolver {
  private readonly exact = new Map<string, string>();
  private readonly carriers: Carrier[] = [];
  private readonly ranker: IntentRanker;
  private readonly invocation: string;
  private readonly intentNames: ReadonlySet<string>;

  constructor(model: InteractionModel) {
    const { invocationName, intents } = model.interactionModel.languageModel;
    this.invocation = normalizeUtterance(invocationName);
    this.intentNames = new Set(intents.map((intent) => intent.name));
    const examples: Array<{ label: string; text: string }> = [];
    const remember = (intent: string, sample: string) => {
      const key = normalizeUtterance(sample);
      if (key !== "" && !this.exact.has(key)) this.exact.set(key, intent);
      examples.push({ label: intent, text: sample });
    };
    for (const intent of intents) {
      const slots = new Map((intent.slots ?? []).map((slot) => [slot.name, slot.type]));
      for (const sample of intent.samples) {
        const slot = /\{([A-Za-z_]+)\}/.exec(sample)?.[1];
        if (slot === undefined) remember(intent.name, sample);
        else if (slots.get(slot) === "AMAZON.SearchQuery")
          this.carriers.push(carrierOf(intent.name, sample, slot));
      }
    }
    for (const [intent, phrases] of Object.entries(BUILT_IN_PHRASES)) {
      if (this.intentNames.has(intent)) for (const phrase of phrases) remember(intent, phrase);
    }
    this.ranker = createRanker(examples, (entry) => intentNameFor(entry.id));
  }

  private static readonly byLocale = new Map<Locale, LocalResolver>();

  /** The resolver for a locale's committed model, built once: resolvers hold no state between calls. */
  static forLocale(locale: Locale): LocalResolver {
    let resolver = LocalResolver.byLocale.get(locale);
    if (!resolver) {
      resolver = new LocalResolver(interactionModelFor(locale));
      LocalResolver.byLocale.set(locale, resolver);
    }
    return resolver;
  }

  /** Every intent the model declares. */
  get intents(): ReadonlySet<string> {
    return this.intentNames;
  }

  resolve(utterance: string): Resolution {
    if (utterance.length > MAX_UTTERANCE_LENGTH) return fallback(0);
    let text = normalizeUtterance(utterance).replace(/^(?:alexa|hey alexa) /, "");
    if (text === "" || text === "alexa") return fallback(0);

    // "open her movie guide (please)", or "ask her movie guide" with nothing after it, opens the skill.
    const opening = [...LAUNCH_VERBS, ...ONE_SHOT_VERBS].map((verb) => `${verb} ${this.invocation}`);
    if (opening.includes(withoutCourtesy(text))) return { kind: "launch" };
    for (const verb of ONE_SHOT_VERBS) {
      const prefix = `${verb} ${this.invocation} `;
      if (text.startsWith(prefix)) {
        text = text.slice(prefix.length).replace(/^(?:about|for|to|whether|if) /, "");
        break;
      }
    }
    const polite = withoutCourtesy(text);
    if (EXIT_PHRASES.includes(polite)) return { kind: "end", reason: "USER_INITIATED" };

    const exact = this.exact.get(text) ?? this.exact.get(polite);
    if (exact) return { kind: "intent", intent: exact, slots: {}, match: "exact", confidence: 1 };

    for (const carrier of this.carriers) {
      const value = carrier.pattern.exec(text)?.[1];
      if (value) {
        return {
          kind: "intent",
          intent: carrier.intent,
          slots: { [carrier.slot]: value },
          match: "carrier",
          confidence: 1,
        };
      }
    }

    const best = this.ranker.best(text);
    if (best && best.confidence >= FAQ_CONFIDENCE_THRESHOLD) {
      return { kind: "intent", intent: best.label, slots: {}, match: "ranked", confidence: best.confidence };
    }
    return fallback(best?.confidence ?? 0);
  }
}

/** Politeness around a request never changes it: "stop thanks", "bye for now", "ok help please". */
function withoutCourtesy(text: string): string {
  return text
    .replace(/^(?:(?:ok|okay|well|um|uh|oh|please) )+/, "")
    .replace(/(?: (?:please|thanks|thank you|for now|then|now))+$/, "");
}

/** AMAZON.FallbackIntent, with how close the best guess came. */
export function fallback(confidence: number): Resolution {
  return { kind: "intent", intent: FALLBACK_INTENT, slots: {}, match: "fallback", confidence };
}

/** "i'd like to know {query}" -> /^i would like to know (.+)$/, normalised like utterances are. */
function carrierOf(intent: string, sample: string, slot: string): Carrier {
  const [before = "", after = ""] = sample.split(`{${slot}}`).map((part) => normalizeUtterance(part));
  const literal = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(
    `^${before ? `${literal(before)} ` : ""}(.+?)${after ? ` ${literal(after)}` : ""}$`,
  );
  return { pattern, intent, slot };
}
