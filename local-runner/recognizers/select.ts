/** Picks the recognizer for this machine: Vosk when its model is there, PocketSphinx from apt otherwise. */
import type { InteractionModel } from "../../interaction-model/index.js";
import { missingModelFiles, voskModelPath } from "../../models/vosk-model.js";
import type { FrontEndOptions } from "../audio/front-end.js";
import type { Engine } from "./engines.js";
import { withFrontEnd } from "./front-ended.js";
import { carrierPrefixes, expectedSentences } from "./grammar.js";
import { PocketSphinxRecognizer } from "./pocketsphinx.js";
import type { Recognizer } from "./types.js";
import { VoskRecognizer } from "./vosk.js";

export { ENGINES, type Engine } from "./engines.js";

export interface RecognizerChoice {
  readonly engine?: Engine;
  /** The Vosk model folder (--model); $VOSK_MODEL or the downloaded default otherwise. */
  readonly voskModel?: string;
  /** Vosk's open vocabulary instead of the skill's phrases. */
  readonly openVocabulary?: boolean;
  /** Told what the chosen model cannot do (words it lacks, no grammar support). */
  readonly onNotice?: (message: string) => void;
  /** The audio front end every engine hears through (noise suppression, gain normalisation). */
  readonly frontEnd?: FrontEndOptions;
}

/** What the front end does unless told otherwise (measured in docs/voice.md). */
export const DEFAULT_FRONT_END: FrontEndOptions = { noiseSuppression: true, gainNormalisation: true };

export function createRecognizer(model: InteractionModel, choice: RecognizerChoice = {}): Recognizer {
  return withFrontEnd(createEngine(model, choice), choice.frontEnd ?? DEFAULT_FRONT_END);
}

function createEngine(model: InteractionModel, choice: RecognizerChoice): Recognizer {
  const engine = choice.engine ?? "auto";
  const voskModel = voskModelPath(choice.voskModel);
  const useVosk = engine === "vosk" || (engine === "auto" && missingModelFiles(voskModel).length === 0);
  if (useVosk) {
    return new VoskRecognizer({
      modelPath: voskModel,
      sentences: choice.openVocabulary ? undefined : expectedSentences(model),
      onNotice: choice.onNotice,
    });
  }
  return new PocketSphinxRecognizer(expectedSentences(model), { carriers: carrierPrefixes(model) });
}
