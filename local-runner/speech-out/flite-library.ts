/**
 * flite loaded into this process (Debian's libflite, bound with koffi), its voice registered once and each
 * sentence synthesized on libuv's thread pool, so the main thread (capture, playback) never waits for it.
 */
import koffi, { type KoffiFunc, type LibraryHandle, type TypeObject } from "koffi";
import { resample } from "../audio/resample.js";
import { SAMPLE_RATE } from "../audio/wav.js";
import { isSafeVoiceName } from "./sanitize.js";
import { type Synthesizer, SynthesizerDied, SynthesizerUnavailable } from "./synthesizer.js";

/** Debian's flite voices as libraries: the name --voice takes (flite:NAME) and its register function. */
const VOICES: Readonly<Record<string, string>> = {
  slt: "cmu_us_slt",
  awb: "cmu_us_awb",
  rms: "cmu_us_rms",
  kal: "cmu_us_kal",
  kal16: "cmu_us_kal16",
};

export const FLITE_VOICES = Object.keys(VOICES);

const INSTALL = "install it with: sudo apt-get install flite";

interface Binding {
  /** Held so koffi never unloads flite while its functions are in use. */
  readonly library: LibraryHandle;
  readonly textToWave: KoffiFunc<(text: string, voice: unknown) => unknown>;
  readonly deleteWave: (wave: unknown) => void;
  readonly wave: TypeObject;
}

let binding: Binding | undefined;

function loadBinding(): Binding {
  if (binding) return binding;
  let lib: LibraryHandle;
  try {
    lib = koffi.load("libflite.so.1");
  } catch (error) {
    throw new SynthesizerUnavailable(`flite is not installed (${(error as Error).message}); ${INSTALL}`);
  }
  lib.func("int flite_init()")();
  const wave = koffi.struct("her_faq_cst_wave", {
    type: "const char *",
    sample_rate: "int",
    num_samples: "int",
    num_channels: "int",
    samples: "void *",
  });
  binding = {
    library: lib,
    textToWave: lib.func("her_faq_cst_wave *flite_text_to_wave(const char *text, void *voice)"),
    deleteWave: lib.func("void delete_wave(her_faq_cst_wave *wave)"),
    wave,
  };
  return binding;
}

/**
 * Voices registered so far, with their libraries: koffi unloads a library whose handle is collected, and
 * flite would then run code that is no longer mapped (it crashed so, mid-answer).
 */
const registered = new Map<string, { library: LibraryHandle; voice: unknown }>();

function registeredVoice(name: string, library: string): unknown {
  const known = registered.get(name);
  if (known) return known.voice;
  let handle: LibraryHandle;
  try {
    handle = koffi.load(`libflite_${library}.so.1`);
  } catch (error) {
    throw new SynthesizerUnavailable(
      `flite's voice "${name}" is not installed (${(error as Error).message}); ${INSTALL}`,
    );
  }
  const voice = handle.func(`void *register_${library}(const char *dir)`)(null);
  if (!voice) throw new SynthesizerUnavailable(`flite could not load its voice "${name}"; ${INSTALL}`);
  registered.set(name, { library: handle, voice });
  return voice;
}

export class FliteLibrary implements Synthesizer {
  readonly voice: string;
  private readonly binding: Binding;
  private readonly handle: unknown;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Throws SynthesizerUnavailable, saying what to do, when flite or the voice is missing. */
  constructor(name: string) {
    const library = isSafeVoiceName(name) ? VOICES[name] : undefined;
    if (!library)
      throw new SynthesizerUnavailable(`flite has no voice "${name}"; it has: ${FLITE_VOICES.join(", ")}`);
    this.voice = `flite:${name}`;
    this.binding = loadBinding();
    this.handle = registeredVoice(name, library);
  }

  synthesize(sentence: string): Promise<Int16Array> {
    // One sentence at a time: a flite voice is not meant to be used by two threads at once.
    const result = this.tail.then(() => this.synthesizeNow(sentence));
    this.tail = result.catch(() => undefined);
    return result;
  }

  close(): void {
    // The voice stays registered for the life of the process: flite has no call to unload one.
    this.closed = true;
  }

  private async synthesizeNow(sentence: string): Promise<Int16Array> {
    if (this.closed) throw new SynthesizerDied(`${this.voice} was closed`);
    const { textToWave, deleteWave, wave } = this.binding;
    const pointer = await new Promise<unknown>((resolve, reject) =>
      textToWave.async(sentence, this.handle, (error: unknown, result: unknown) =>
        error ? reject(error) : resolve(result),
      ),
    );
    if (!pointer) throw new SynthesizerDied(`${this.voice} could not speak "${sentence.slice(0, 40)}"`);
    try {
      const {
        sample_rate: rate,
        num_samples: length,
        samples,
      } = koffi.decode(pointer, wave) as {
        sample_rate: number;
        num_samples: number;
        samples: unknown;
      };
      const pcm = new Int16Array(koffi.view(samples, length * 2).slice(0));
      return rate === SAMPLE_RATE ? pcm : toInt16(resample(toFloat(pcm), rate, SAMPLE_RATE));
    } finally {
      deleteWave(pointer);
    }
  }
}

function toFloat(pcm: Int16Array): Float32Array {
  return Float32Array.from(pcm, (sample) => sample / 0x8000);
}

function toInt16(samples: Float32Array): Int16Array {
  return Int16Array.from(samples, (sample) => Math.max(-32768, Math.min(32767, Math.round(sample * 0x8000))));
}
