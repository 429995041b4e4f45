/** Picks the recognizer for this machine, and explains what is missing when none can run. */
import type { InteractionModel } from "../../interaction-model/index.js";
import { carrierPrefixes, expectedSentences } from "./grammar.js";
import { PocketSphinxRecognizer } from "./pocketsphinx.js";
import type { Recognizer } from "./types.js";

export const ENGINES = ["pocketsphinx"] as const;
export type Engine = (typeof ENGINES)[number];

export function createRecognizer(model: InteractionModel, engine: Engine = "pocketsphinx"): Recognizer {
  switch (engine) {
    case "pocketsphinx":
      return new PocketSphinxRecognizer(expectedSentences(model), { carriers: carrierPrefixes(model) });
  }
}
