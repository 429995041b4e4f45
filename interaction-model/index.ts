/** The committed interaction models, as Alexa has them: the local resolver reads these, never the data. */
import enAU from "./en-AU.json" with { type: "json" };
import enCA from "./en-CA.json" with { type: "json" };
import enGB from "./en-GB.json" with { type: "json" };
import enIN from "./en-IN.json" with { type: "json" };
import enUS from "./en-US.json" with { type: "json" };
import type { InteractionModel, Locale } from "./types.js";

export type { InteractionModel } from "./types.js";
export { LOCALES, type Locale } from "./types.js";

const models: Readonly<Record<Locale, InteractionModel>> = {
  "en-US": enUS as InteractionModel,
  "en-GB": enGB as InteractionModel,
  "en-CA": enCA as InteractionModel,
  "en-AU": enAU as InteractionModel,
  "en-IN": enIN as InteractionModel,
};

export function interactionModelFor(locale: Locale): InteractionModel {
  return models[locale];
}
