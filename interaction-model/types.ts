/** The parts of an Alexa interaction model (the ASK JSON schema) this project produces and reads. */

export interface SlotDefinition {
  readonly name: string;
  readonly type: string;
}

export interface IntentDefinition {
  readonly name: string;
  readonly slots?: readonly SlotDefinition[];
  readonly samples: readonly string[];
}

export interface LanguageModel {
  readonly invocationName: string;
  readonly intents: readonly IntentDefinition[];
  readonly types: readonly unknown[];
  readonly modelConfiguration?: {
    readonly fallbackIntentSensitivity: { readonly level: "LOW" | "MEDIUM" | "HIGH" };
  };
}

export interface InteractionModel {
  readonly interactionModel: { readonly languageModel: LanguageModel };
}

export const LOCALES = ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"] as const;
export type Locale = (typeof LOCALES)[number];
