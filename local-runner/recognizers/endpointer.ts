/**
 * Says when a speaker has finished: short-frame energy against an adaptive noise floor, end of speech after
 * enough silence following enough speech. Engine-independent, so every recognizer endpoints the same way.
 */
import { SAMPLE_RATE } from "../audio/wav.js";

export interface EndpointerOptions {
  /** Silence after speech that ends the utterance. */
  readonly trailingSilenceMs?: number;
  /** Speech shorter than this is a click or a cough, not an utterance. */
  readonly minSpeechMs?: number;
}

const FRAME = SAMPLE_RATE / 100; // 10 ms

export class Endpointer {
  private noiseFloor = 200;
  private speechMs = 0;
  private silenceMs = 0;
  private carry = new Int16Array(0);
  private readonly trailingSilenceMs: number;
  private readonly minSpeechMs: number;

  constructor(options: EndpointerOptions = {}) {
    this.trailingSilenceMs = options.trailingSilenceMs ?? 700;
    this.minSpeechMs = options.minSpeechMs ?? 200;
  }

  /** How much speech has been heard so far (10 ms frames above the noise floor). */
  get speechDurationMs(): number {
    return this.speechMs;
  }

  /** True once speech has been heard. */
  get heardSpeech(): boolean {
    return this.speechMs >= this.minSpeechMs;
  }

  /** Feeds audio; true when the utterance has ended. */
  accept(chunk: Int16Array): boolean {
    const samples = new Int16Array(this.carry.length + chunk.length);
    samples.set(this.carry);
    samples.set(chunk, this.carry.length);
    let offset = 0;
    for (; offset + FRAME <= samples.length; offset += FRAME)
      this.frame(samples.subarray(offset, offset + FRAME));
    this.carry = samples.slice(offset);
    return this.heardSpeech && this.silenceMs >= this.trailingSilenceMs;
  }

  private frame(frame: Int16Array): void {
    let energy = 0;
    for (const sample of frame) energy += sample * sample;
    const rms = Math.sqrt(energy / frame.length);
    const speaking = rms > Math.max(3 * this.noiseFloor, 300);
    if (speaking) {
      this.speechMs += 10;
      this.silenceMs = 0;
    } else {
      this.silenceMs += 10;
      // The floor follows the quiet frames slowly, so steady background noise is not taken for speech.
      this.noiseFloor = 0.95 * this.noiseFloor + 0.05 * rms;
    }
  }
}
