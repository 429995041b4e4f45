/**
 * A word network's scores of a stream of audio (network.ts): the audio turned to log mel frames as it comes,
 * and every SCORE_STRIDE frames, once a window is whole, the networks' score of the window ending there. Both
 * the wake word's detector (network-detector.ts) and the command words heard over an answer (barge-in.ts)
 * score so.
 */
import { LogMel } from "./log-mel.js";
import { INPUTS, type Network, scoreOf, WINDOW_FRAMES, windowInput } from "./network.js";

/** Frames between scores (30 ms). */
export const SCORE_STRIDE = 3;

export class WindowScores {
  private readonly mel = new LogMel();
  private frames: Float32Array[] = [];
  /** Frames made since the stream began (frame n starts at sample n * FRAME_SHIFT). */
  framesMade = 0;
  private readonly input = new Float32Array(INPUTS);

  constructor(private readonly networks: readonly Network[]) {}

  /**
   * Feeds audio; yields each score it completes, with the frame its window ends at (exclusive). A caller
   * that stops taking scores part way leaves the rest of the chunk's frames unscored.
   */
  *scores(chunk: Int16Array): Generator<{ readonly score: number; readonly frame: number }> {
    for (const frame of this.mel.push(chunk)) {
      this.frames.push(frame);
      this.framesMade++;
      if (this.frames.length > WINDOW_FRAMES) this.frames.shift();
      if (this.framesMade % SCORE_STRIDE === 0 && this.frames.length >= WINDOW_FRAMES)
        yield {
          score: scoreOf(this.networks, windowInput(this.frames, this.frames.length, this.input)),
          frame: this.framesMade,
        };
    }
  }
}
