/**
 * Amazon's rules for an interaction model, checked before a model is committed or deployed: what the
 * developer console and `ask deploy` would reject, plus this skill's own floor of samples per FAQ intent.
 * Returns every problem found, each a sentence naming the intent and sample at fault.
 */
import type { IntentDefinition, InteractionModel } from "./types.js";

/** Intents a custom skill must include (Amazon's certification checklist). */
const REQUIRED_INTENTS = [
  "AMAZON.CancelIntent",
  "AMAZON.HelpIntent",
  "AMAZON.StopIntent",
  "AMAZON.NavigateHomeIntent",
  "AMAZON.FallbackIntent",
];

/** Words that launch a skill; an invocation name may not contain them. */
const LAUNCH_WORDS = [
  "ask",
  "tell",
  "open",
  "launch",
  "begin",
  "start",
  "load",
  "resume",
  "run",
  "use",
  "enable",
];
/** Words reserved for Alexa and its devices. */
const RESERVED_WORDS = ["alexa", "amazon", "echo", "computer", "skill", "app"];
/** Connecting words Amazon forbids in an invocation name. */
const CONNECTING_WORDS = ["to", "from", "by", "if", "and", "whether"];

const MAX_SAMPLE_LENGTH = 200;
const SAMPLE_PATTERN =
  /^[a-z][a-z' .]*(?:\{[A-Za-z_]+\}[a-z' .]*)*$|^\{[A-Za-z_]+\}[a-z' .]*(?:\{[A-Za-z_]+\}[a-z' .]*)*$/;

export interface RuleOptions {
  /** Least number of samples for each non-built-in intent that carries no slot. */
  readonly minSamplesPerFaqIntent?: number;
}

export function checkInteractionModel(model: InteractionModel, options: RuleOptions = {}): string[] {
  const problems: string[] = [];
  const { invocationName, intents } = model.interactionModel.languageModel;
  problems.push(...checkInvocationName(invocationName));

  const names = new Set<string>();
  for (const intent of intents) {
    if (names.has(intent.name)) problems.push(`intent ${intent.name} is declared twice`);
    names.add(intent.name);
    if (!intent.name.startsWith("AMAZON.") && !/^[A-Za-z_]+$/.test(intent.name)) {
      problems.push(`intent name "${intent.name}" may hold only letters and underscores`);
    }
  }
  for (const required of REQUIRED_INTENTS) {
    if (!names.has(required)) problems.push(`required built-in intent ${required} is missing`);
  }

  const owner = new Map<string, string>();
  for (const intent of intents) {
    problems.push(...checkSlots(intent));
    if (intent.name === "AMAZON.FallbackIntent" && intent.samples.length > 0) {
      problems.push("AMAZON.FallbackIntent may not have samples");
    }
    const minimum = options.minSamplesPerFaqIntent ?? 0;
    const isFaqIntent = !intent.name.startsWith("AMAZON.") && (intent.slots ?? []).length === 0;
    if (isFaqIntent && intent.samples.length < minimum) {
      problems.push(
        `intent ${intent.name} has ${intent.samples.length} samples; at least ${minimum} are required`,
      );
    }
    for (const sample of intent.samples) {
      problems.push(...checkSample(intent.name, sample));
      const key = sample.replace(/\s+/g, " ").trim().toLowerCase();
      const previous = owner.get(key);
      if (previous !== undefined) {
        problems.push(
          previous === intent.name
            ? `sample "${sample}" appears twice in ${intent.name}`
            : `sample "${sample}" is in both ${previous} and ${intent.name}`,
        );
      } else {
        owner.set(key, intent.name);
      }
    }
  }
  return problems;
}

export function checkInvocationName(name: string): string[] {
  const problems: string[] = [];
  const words = name.split(" ");
  if (!/^[a-z][a-z' .]*[a-z.]$/.test(name) || /\s{2,}/.test(name)) {
    problems.push(
      `invocation name "${name}" may hold only lowercase letters, spaces, apostrophes and periods, single-spaced`,
    );
  }
  if (words.length < 2) problems.push(`invocation name "${name}" must have at least two words`);
  if (name.length < 2 || name.length > 50)
    problems.push(`invocation name "${name}" must be 2 to 50 characters`);
  for (const word of words) {
    if (LAUNCH_WORDS.includes(word))
      problems.push(`invocation name "${name}" contains the launch word "${word}"`);
    if (RESERVED_WORDS.includes(word))
      problems.push(`invocation name "${name}" contains the reserved word "${word}"`);
    if (CONNECTING_WORDS.includes(word)) {
      problems.push(`invocation name "${name}" contains the connecting word "${word}"`);
    }
  }
  return problems;
}

function checkSample(intent: string, sample: string): string[] {
  const problems: string[] = [];
  if (sample.trim() !== sample || /\s{2,}/.test(sample)) {
    problems.push(`${intent}: sample "${sample}" has stray spaces`);
  }
  if (/\d/.test(sample)) problems.push(`${intent}: sample "${sample}" has digits; spell numbers out`);
  if (!SAMPLE_PATTERN.test(sample)) {
    problems.push(
      `${intent}: sample "${sample}" may hold only lowercase letters, spaces, apostrophes, periods and {slots}`,
    );
  }
  if (sample.length > MAX_SAMPLE_LENGTH) {
    problems.push(`${intent}: sample "${sample}" is longer than ${MAX_SAMPLE_LENGTH} characters`);
  }
  return problems;
}

function checkSlots(intent: IntentDefinition): string[] {
  const problems: string[] = [];
  const declared = new Map((intent.slots ?? []).map((slot) => [slot.name, slot.type]));
  const used = new Set<string>();
  for (const sample of intent.samples) {
    const slots = [...sample.matchAll(/\{([^}]*)\}/g)].map((match) => match[1] ?? "");
    for (const slot of slots) {
      used.add(slot);
      if (!declared.has(slot))
        problems.push(`${intent.name}: sample "${sample}" uses undeclared slot {${slot}}`);
    }
    const searchSlots = slots.filter((slot) => declared.get(slot) === "AMAZON.SearchQuery");
    if (searchSlots.length > 0 && sample.replace(/\{[^}]*\}/g, "").trim() === "") {
      problems.push(
        `${intent.name}: sample "${sample}" is an AMAZON.SearchQuery slot alone; add a carrier phrase`,
      );
    }
  }
  for (const [slot, type] of declared) {
    if (!used.has(slot)) problems.push(`${intent.name}: slot {${slot}} is declared but no sample uses it`);
    if (type === "AMAZON.SearchQuery" && declared.size > 1) {
      problems.push(`${intent.name}: an intent with an AMAZON.SearchQuery slot may have no other slot`);
    }
  }
  return problems;
}
