/**
 * What the recognizers may hear, generated from the interaction model: every sample, the built-in phrases
 * and the invocation phrases, as plain word sequences; then the words PocketSphinx's models need, or a phrase
 * list (Vosk) from them. Pure, so a question added to the FAQ reaches the recognizers with no other change.
 */
import type { InteractionModel } from "../../interaction-model/index.js";
import { normalizeUtterance } from "../../skill/text/normalize.js";
import { BUILT_IN_PHRASES, EXIT_PHRASES } from "../built-in-phrases.js";

/** Every sentence the skill expects, normalised ("what's" -> "what is"), without slots, deduplicated. */
export function expectedSentences(model: InteractionModel): string[] {
  const { invocationName, intents } = model.interactionModel.languageModel;
  const sentences = new Set<string>();
  const add = (text: string) => {
    const sentence = normalizeUtterance(text);
    if (sentence !== "") sentences.add(sentence);
  };
  for (const intent of intents) for (const sample of intent.samples) if (!sample.includes("{")) add(sample);
  for (const phrases of Object.values(BUILT_IN_PHRASES)) for (const phrase of phrases) add(phrase);
  for (const phrase of EXIT_PHRASES) add(phrase);
  add(`open ${invocationName}`);
  return [...sentences].sort();
}

/** The words before a free-form question in the model's carrier phrases: "i would like to know", "tell me". */
export function carrierPrefixes(model: InteractionModel): string[] {
  const prefixes = new Set<string>();
  for (const intent of model.interactionModel.languageModel.intents) {
    for (const sample of intent.samples) {
      const match = /^([^{]+)\{[A-Za-z_]+\}$/.exec(sample);
      const prefix = match?.[1] ? normalizeUtterance(match[1]) : "";
      if (prefix !== "") prefixes.add(prefix);
    }
  }
  return [...prefixes].sort();
}

/** Every distinct word of the sentences. */
export function vocabularyOf(sentences: readonly string[]): string[] {
  return [...new Set(sentences.flatMap((sentence) => sentence.split(" ")))].sort();
}

/** Vosk's grammar: the sentences plus "[unk]", so speech outside them can come out as unknown. */
export function voskPhraseList(sentences: readonly string[]): string {
  return JSON.stringify([...sentences, "[unk]"]);
}
