/**
 * libvosk's C API, bound with koffi. The library comes from the `vosk` npm package, which ships it for
 * linux-x86_64, osx-universal and win-x86_64; its own JavaScript (ffi-napi, compiled at install) is never
 * loaded. This interface is the boundary tests replace where no real model can exist.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import koffi, { type LibraryHandle } from "koffi";
import { RecognizerUnavailable } from "./types.js";

/** An opaque libvosk handle (VoskModel *, VoskRecognizer *); null where libvosk returned NULL. */
export type VoskHandle = object;

export interface VoskLibrary {
  setLogLevel(level: number): void;
  /** NULL (null) when the folder holds no loadable model: libvosk does not throw. */
  modelNew(path: string): VoskHandle | null;
  modelFree(model: VoskHandle): void;
  /** The word's symbol in the model's vocabulary, or -1 when the model does not know it. */
  findWord(model: VoskHandle, word: string): number;
  recognizerNew(model: VoskHandle, sampleRate: number): VoskHandle | null;
  /** A recognizer restricted to a JSON list of phrases; NULL when libvosk cannot build it. */
  recognizerNewGrammar(model: VoskHandle, sampleRate: number, grammar: string): VoskHandle | null;
  setMaxAlternatives(recognizer: VoskHandle, count: number): void;
  setWords(recognizer: VoskHandle, words: boolean): void;
  /** 1 at Kaldi's own endpoint, 0 otherwise, -1 on an error. */
  acceptWaveform(recognizer: VoskHandle, pcm: Int16Array): number;
  /** The segment that ended at Kaldi's endpoint; the audio after it goes on in the same stream. */
  result(recognizer: VoskHandle): string;
  partialResult(recognizer: VoskHandle): string;
  finalResult(recognizer: VoskHandle): string;
  reset(recognizer: VoskHandle): void;
  recognizerFree(recognizer: VoskHandle): void;
}

const REINSTALL_HINT = "reinstall with: npm install";

/** Where the `vosk` package keeps libvosk for this platform, or undefined where it ships none. */
export function libvoskPath(
  packageFolder: string,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string | undefined {
  if (platform === "linux" && arch === "x64") return join(packageFolder, "lib", "linux-x86_64", "libvosk.so");
  if (platform === "darwin") return join(packageFolder, "lib", "osx-universal", "libvosk.dylib");
  if (platform === "win32" && arch === "x64") return join(packageFolder, "lib", "win-x86_64", "libvosk.dll");
  return undefined;
}

let loaded: VoskLibrary | undefined;

/** Loads libvosk once; RecognizerUnavailable (with what to do) where it cannot. */
export function loadVoskLibrary(): VoskLibrary {
  if (loaded) return loaded;
  let packageFolder: string;
  try {
    packageFolder = dirname(createRequire(import.meta.url).resolve("vosk/package.json"));
  } catch {
    throw new RecognizerUnavailable(`the vosk package is not installed; ${REINSTALL_HINT}`);
  }
  const file = libvoskPath(packageFolder);
  if (!file) {
    throw new RecognizerUnavailable(
      `Vosk ships no library for ${process.platform}-${process.arch}; use --engine pocketsphinx`,
    );
  }
  if (!existsSync(file)) throw new RecognizerUnavailable(`${file} is missing; ${REINSTALL_HINT}`);
  let lib: LibraryHandle;
  try {
    // The Windows build needs the MinGW runtime DLLs beside it on the search path.
    if (process.platform === "win32") process.env.PATH = `${dirname(file)};${process.env.PATH ?? ""}`;
    lib = koffi.load(file);
  } catch (error) {
    throw new RecognizerUnavailable(
      `libvosk does not load (${(error as Error).message.split("\n")[0]}); ${REINSTALL_HINT}`,
    );
  }
  koffi.opaque("VoskModel");
  koffi.opaque("VoskRecognizer");
  const fn = <T>(signature: string) => lib.func(signature) as unknown as T;
  const setLogLevel = fn<(level: number) => void>("void vosk_set_log_level(int level)");
  const modelNew = fn<(path: string) => VoskHandle | null>("VoskModel *vosk_model_new(const char *path)");
  const modelFree = fn<(model: VoskHandle) => void>("void vosk_model_free(VoskModel *model)");
  const findWord = fn<(model: VoskHandle, word: string) => number>(
    "int vosk_model_find_word(VoskModel *model, const char *word)",
  );
  const recognizerNew = fn<(model: VoskHandle, rate: number) => VoskHandle | null>(
    "VoskRecognizer *vosk_recognizer_new(VoskModel *model, float rate)",
  );
  const recognizerNewGrammar = fn<(model: VoskHandle, rate: number, grammar: string) => VoskHandle | null>(
    "VoskRecognizer *vosk_recognizer_new_grm(VoskModel *model, float rate, const char *grammar)",
  );
  const setMaxAlternatives = fn<(rec: VoskHandle, count: number) => void>(
    "void vosk_recognizer_set_max_alternatives(VoskRecognizer *rec, int count)",
  );
  const setWords = fn<(rec: VoskHandle, words: number) => void>(
    "void vosk_recognizer_set_words(VoskRecognizer *rec, int words)",
  );
  const acceptWaveform = fn<(rec: VoskHandle, data: Int16Array, length: number) => number>(
    "int vosk_recognizer_accept_waveform_s(VoskRecognizer *rec, const int16_t *data, int length)",
  );
  const text = (name: string) => fn<(rec: VoskHandle) => string>(`const char *${name}(VoskRecognizer *rec)`);
  const result = text("vosk_recognizer_result");
  const partialResult = text("vosk_recognizer_partial_result");
  const finalResult = text("vosk_recognizer_final_result");
  const reset = fn<(rec: VoskHandle) => void>("void vosk_recognizer_reset(VoskRecognizer *rec)");
  const recognizerFree = fn<(rec: VoskHandle) => void>("void vosk_recognizer_free(VoskRecognizer *rec)");
  loaded = {
    setLogLevel,
    modelNew,
    modelFree,
    findWord,
    recognizerNew,
    recognizerNewGrammar,
    setMaxAlternatives,
    setWords: (rec, words) => setWords(rec, words ? 1 : 0),
    acceptWaveform: (rec, pcm) => acceptWaveform(rec, pcm, pcm.length),
    result,
    partialResult,
    finalResult,
    reset,
    recognizerFree,
  };
  return loaded;
}
