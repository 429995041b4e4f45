/**
 * Vosk (the `vosk` package, libvosk inside it), restricted to the skill's phrases plus "[unk]" so speech
 * outside them comes out as unknown. Vosk's grammar mode builds a bigram model from the phrases, so results
 * can mix phrases: the resolver ranks them afterwards rather than trusting them as exact.
 */
import { createRequire } from "node:module";
import { missingModelFiles } from "../../models/vosk-model.js";
import { voskPhraseList } from "./grammar.js";
import { type RecognitionStream, type Recognizer, RecognizerUnavailable, type Transcript } from "./types.js";

type VoskModule = typeof import("vosk");

const DOWNLOAD_HINT =
  "download it with: her-faq models download (or point --model / VOSK_MODEL at a model folder)";

/** Loads the native library only when Vosk is used, so text commands never pay for it. */
export function loadVosk(): VoskModule {
  try {
    const vosk = createRequire(import.meta.url)("vosk") as VoskModule;
    vosk.setLogLevel(-1);
    return vosk;
  } catch (error) {
    throw new RecognizerUnavailable(
      `the vosk package does not load (${(error as Error).message.split("\n")[0]}); reinstall with npm install`,
    );
  }
}

export interface VoskOptions {
  readonly modelPath: string;
  /** The phrases to restrict recognition to; undefined for the model's open vocabulary. */
  readonly sentences?: readonly string[];
}

export class VoskRecognizer implements Recognizer {
  readonly name = "vosk";
  private readonly vosk: VoskModule;
  private readonly model: InstanceType<VoskModule["Model"]>;
  private readonly grammar: readonly string[] | undefined;

  constructor(options: VoskOptions) {
    const missing = missingModelFiles(options.modelPath);
    if (missing.length > 0) {
      throw new RecognizerUnavailable(
        `no Vosk model in ${options.modelPath} (missing ${missing.join(", ")}); ${DOWNLOAD_HINT}`,
      );
    }
    this.vosk = loadVosk();
    this.model = new this.vosk.Model(options.modelPath);
    // Vosk returns a NULL handle instead of throwing when it cannot load the model.
    if (this.model.handle.isNull())
      throw new RecognizerUnavailable(
        `Vosk could not load the model in ${options.modelPath}; ${DOWNLOAD_HINT}`,
      );
    this.grammar = options.sentences
      ? (JSON.parse(voskPhraseList(options.sentences)) as string[])
      : undefined;
  }

  start(): RecognitionStream {
    const recognizer = new this.vosk.Recognizer({
      model: this.model,
      sampleRate: 16_000,
      grammar: this.grammar,
    });
    let finished = false;
    return {
      accept: (chunk) => {
        const endOfSpeech = recognizer.acceptWaveform(
          Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
        );
        return { partial: recognizer.partialResult().partial || undefined, endOfSpeech };
      },
      finish: (): Transcript => {
        if (finished) return { text: "" };
        finished = true;
        const text = recognizer.finalResult().text.trim();
        recognizer.free();
        const words = text.split(/\s+/).filter((word) => word !== "");
        const known = words.filter((word) => word !== "[unk]");
        // Mostly unknown words: speech outside the phrases.
        const outOfGrammar = known.length === 0 || known.length < words.length / 2;
        return outOfGrammar ? { text: known.join(" "), outOfGrammar: true } : { text: known.join(" ") };
      },
    };
  }

  close(): void {
    this.model.free();
  }
}
