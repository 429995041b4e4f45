/**
 * Says when a speaker has finished, the same way for every engine. A 10 ms frame is speech when WebRTC's
 * voice activity detector says so and it stands out from an adaptive noise floor: the detector alone takes
 * a loud fan's hum for speech now and then, and energy alone takes any loud noise for it. The utterance
 * ends after enough silence following enough speech.
 */
import { FRAME_SAMPLES as FRAME, VoiceActivity } from "../audio/voice-activity.js";

export interface EndpointerOptions {
  /** Silence after speech that ends the utterance. */
  readonly trailingSilenceMs?: number;
  /** Speech shorter than this is a click or a cough, not an utterance. */
  readonly minSpeechMs?: number;
}

export class Endpointer {
  private noiseFloor = 200;
  private speechMs = 0;
  private silenceMs = 0;
  private carry = new Int16Array(0);
  private readonly trailingSilenceMs: number;
  private readonly minSpeechMs: number;
  // Mode 1: mode 3 misses the first fifth of a second of some voices, and the energy test already turns
  // steady noise away.
  private readonly activity = new VoiceActivity(1);

  constructor(options: EndpointerOptions = {}) {
    this.trailingSilenceMs = options.trailingSilenceMs ?? 700;
    this.minSpeechMs = options.minSpeechMs ?? 200;
  }

  /** How much speech has been heard so far (10 ms frames above the noise floor). */
  get speechDurationMs(): number {
    return this.speechMs;
  }

  /** Silence since the last speech, once speech has been heard (0 before). */
  get silenceAfterSpeechMs(): number {
    return this.heardSpeech ? this.silenceMs : 0;
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
    const speaking = rms > Math.max(3 * this.noiseFloor, 300) && this.activity.isSpeech(frame);
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
