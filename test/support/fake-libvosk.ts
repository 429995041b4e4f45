/**
 * libvosk's C API as a fake, for the behaviour no real model here can show: a stand-in at the outermost
 * boundary (the VoskLibrary interface), strict as the C library is not. It refuses a grammar that is not a
 * JSON string (libvosk returns NULL there), and it throws on a freed or NULL handle where libvosk would
 * crash the process, so a use after free or a double free fails the test instead.
 */
import type { VoskHandle, VoskLibrary } from "../../local-runner/recognizers/vosk-library.js";

export interface FakeVoskOptions {
  /** Words the fake model knows; every word when undefined. */
  readonly vocabulary?: ReadonlySet<string>;
  /** Folders for which vosk_model_new returns NULL. */
  readonly unloadable?: (path: string) => boolean;
  /** vosk_recognizer_new(_grm) returns NULL. */
  readonly noRecognizer?: boolean;
  /** What vosk_recognizer_accept_waveform returns, call after call (then 0). */
  readonly acceptStates?: readonly number[];
  /** What vosk_recognizer_result returns at each of libvosk's own endpoints. */
  readonly segmentResults?: readonly string[];
  /** What vosk_recognizer_final_result returns, utterance after utterance (then an empty text). */
  readonly finalResults?: readonly string[];
  /** What vosk_recognizer_partial_result returns (default: an empty partial). */
  readonly partial?: string;
}

interface FakeRecognizer {
  readonly kind: "recognizer";
  readonly grammar: string | undefined;
  freed: boolean;
  words: boolean;
  alternatives: number;
  samples: number;
}

interface FakeModel {
  readonly kind: "model";
  readonly path: string;
  freed: boolean;
}

export interface FakeVosk extends VoskLibrary {
  readonly recognizers: FakeRecognizer[];
  readonly models: FakeModel[];
  readonly calls: string[];
}

export function fakeVosk(options: FakeVoskOptions = {}): FakeVosk {
  const recognizers: FakeRecognizer[] = [];
  const models: FakeModel[] = [];
  const calls: string[] = [];
  const acceptStates = [...(options.acceptStates ?? [])];
  const segmentResults = [...(options.segmentResults ?? [])];
  const finalResults = [...(options.finalResults ?? [])];
  const model = (handle: VoskHandle): FakeModel => {
    const found = handle as FakeModel;
    if (found?.kind !== "model") throw new Error("libvosk would crash: not a model handle");
    if (found.freed) throw new Error("libvosk would crash: model used after free");
    return found;
  };
  const recognizer = (handle: VoskHandle): FakeRecognizer => {
    const found = handle as FakeRecognizer;
    if (found?.kind !== "recognizer") throw new Error("libvosk would crash: not a recognizer");
    if (found.freed) throw new Error("libvosk would crash: recognizer used after free");
    return found;
  };
  const newRecognizer = (handle: VoskHandle, grammar: string | undefined): VoskHandle | null => {
    model(handle);
    if (options.noRecognizer) return null;
    const made: FakeRecognizer = {
      kind: "recognizer",
      grammar,
      freed: false,
      words: false,
      alternatives: 0,
      samples: 0,
    };
    recognizers.push(made);
    return made;
  };
  return {
    recognizers,
    models,
    calls,
    setLogLevel: () => undefined,
    modelNew: (path) => {
      calls.push("model_new");
      if (options.unloadable?.(path)) return null;
      const made: FakeModel = { kind: "model", path, freed: false };
      models.push(made);
      return made;
    },
    modelFree: (handle) => {
      calls.push("model_free");
      model(handle).freed = true;
    },
    findWord: (handle, word) => {
      model(handle);
      return !options.vocabulary || options.vocabulary.has(word) ? 1 : -1;
    },
    recognizerNew: (handle, rate) => {
      calls.push(`recognizer_new ${rate}`);
      return newRecognizer(handle, undefined);
    },
    recognizerNewGrammar: (handle, rate, grammar) => {
      calls.push(`recognizer_new_grm ${rate}`);
      // The C function reads a char *: anything but a JSON list of strings is NULL or garbage there.
      if (typeof grammar !== "string") return null;
      const phrases: unknown = JSON.parse(grammar);
      if (!Array.isArray(phrases) || !phrases.every((phrase) => typeof phrase === "string")) return null;
      return newRecognizer(handle, grammar);
    },
    setMaxAlternatives: (handle, count) => {
      recognizer(handle).alternatives = count;
    },
    setWords: (handle, words) => {
      recognizer(handle).words = words;
    },
    acceptWaveform: (handle, pcm) => {
      recognizer(handle).samples += pcm.length;
      return acceptStates.shift() ?? 0;
    },
    result: (handle) => {
      recognizer(handle);
      calls.push("result");
      return segmentResults.shift() ?? '{"text": ""}';
    },
    partialResult: (handle) => {
      recognizer(handle);
      return options.partial ?? '{"partial": ""}';
    },
    finalResult: (handle) => {
      recognizer(handle);
      calls.push("final_result");
      return finalResults.shift() ?? '{"text": ""}';
    },
    reset: (handle) => {
      recognizer(handle).samples = 0;
      calls.push("reset");
    },
    recognizerFree: (handle) => {
      calls.push("recognizer_free");
      recognizer(handle).freed = true;
    },
  };
}
