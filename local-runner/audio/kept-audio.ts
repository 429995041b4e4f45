/**
 * The latest microphone audio, kept so that a stretch of it can be handed over by where it was heard: the
 * wake-word listeners hand over what followed the word, however late they knew it was the word.
 */
import { SAMPLE_RATE } from "./wav.js";

export class KeptAudio {
  private chunks: Int16Array[] = [];
  private samples = 0;
  /** Samples added since the last clear(): where the next one will be heard. */
  accepted = 0;

  constructor(private readonly keptMs: number) {}

  /** Keeps `chunk` (as it is: copy it first if its buffer will be reused) and drops the oldest audio beyond keptMs. */
  add(chunk: Int16Array): void {
    this.chunks.push(chunk);
    this.samples += chunk.length;
    this.accepted += chunk.length;
    const limit = (this.keptMs * SAMPLE_RATE) / 1000;
    for (;;) {
      const oldest = this.chunks[0];
      if (this.chunks.length <= 1 || oldest === undefined) break;
      if (this.samples - oldest.length < limit) break;
      this.chunks.shift();
      this.samples -= oldest.length;
    }
  }

  /** The samples heard from `from` to `to` (as `accepted` counts), as far as they are kept. */
  between(from: number, to: number): Int16Array {
    const all = new Int16Array(this.samples);
    let offset = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    const first = this.accepted - this.samples;
    return all.slice(Math.max(0, from - first), Math.max(0, Math.min(this.accepted, to) - first));
  }

  /** Forgets everything; `accepted` counts from zero again. */
  clear(): void {
    this.chunks = [];
    this.samples = 0;
    this.accepted = 0;
  }
}
