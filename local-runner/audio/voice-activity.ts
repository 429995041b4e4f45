/**
 * WebRTC's voice activity detector (libfvad compiled to WebAssembly, so it runs on every OS with nothing
 * to build): is a 10 ms frame speech? The endpointer (recognizers/endpointer.ts) weighs it with the
 * frame's energy against the noise floor.
 */
import fvad from "@echogarden/fvad-wasm";
import { SAMPLE_RATE } from "./wav.js";

/** Samples in one 10 ms frame at 16 kHz: the frame length the detector takes. */
export const FRAME_SAMPLES = SAMPLE_RATE / 100;

interface FvadModule {
  readonly HEAP16: Int16Array;
  _fvad_new(): number;
  _fvad_free(handle: number): void;
  _fvad_set_mode(handle: number, mode: number): number;
  _fvad_set_sample_rate(handle: number, rate: number): number;
  _fvad_process(handle: number, frame: number, length: number): number;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

const wasm = (await fvad()) as FvadModule;

/** Frees a detector's memory in the WebAssembly heap when the detector itself is collected. */
const released = new FinalizationRegistry<{ handle: number; buffer: number }>(({ handle, buffer }) => {
  wasm._fvad_free(handle);
  wasm._free(buffer);
});

/** How eagerly a frame counts as speech: 0 (least aggressive) to 3 (calls the least noise speech). */
export type Aggressiveness = 0 | 1 | 2 | 3;

export class VoiceActivity {
  private readonly handle: number;
  private readonly buffer: number;

  constructor(aggressiveness: Aggressiveness = 3) {
    this.handle = wasm._fvad_new();
    this.buffer = wasm._malloc(FRAME_SAMPLES * 2);
    if (!this.handle || !this.buffer) throw new Error("the voice activity detector could not start");
    wasm._fvad_set_mode(this.handle, aggressiveness);
    wasm._fvad_set_sample_rate(this.handle, SAMPLE_RATE);
    released.register(this, { handle: this.handle, buffer: this.buffer });
  }

  /** Whether a 10 ms frame (FRAME_SAMPLES samples at 16 kHz) holds speech. */
  isSpeech(frame: Int16Array): boolean {
    if (frame.length !== FRAME_SAMPLES) throw new RangeError(`a frame is ${FRAME_SAMPLES} samples`);
    wasm.HEAP16.set(frame, this.buffer >> 1);
    return wasm._fvad_process(this.handle, this.buffer, FRAME_SAMPLES) === 1;
  }
}
