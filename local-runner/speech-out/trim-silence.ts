/**
 * Cuts the silence engines pad a sentence with: before the words it only delays the first audio, and after
 * them festival leaves more than a speaker pauses between sentences.
 */
import { SAMPLE_RATE } from "../audio/wav.js";

const FRAME = SAMPLE_RATE / 100;
/** A 10 ms frame quieter than this (about -50 dBFS) is silence. */
const QUIET_RMS = 100;
/** Kept before the first sound, so the onset is not clipped. */
const LEAD_IN_MS = 10;
/** Kept after the last sound of a sentence: the pause before the next one. */
const PAUSE_MS = 250;

export function trimSilence(pcm: Int16Array, { last = false } = {}): Int16Array {
  const frames = Math.floor(pcm.length / FRAME);
  let first = 0;
  while (first < frames && quiet(pcm, first)) first++;
  if (first === frames) return pcm.subarray(0, 0);
  let end = frames;
  while (end > first && quiet(pcm, end - 1)) end--;
  const start = Math.max(0, first * FRAME - (LEAD_IN_MS * SAMPLE_RATE) / 1000);
  const stop = last ? end * FRAME : Math.min(pcm.length, end * FRAME + (PAUSE_MS * SAMPLE_RATE) / 1000);
  return pcm.subarray(start, stop);
}

function quiet(pcm: Int16Array, frame: number): boolean {
  let sum = 0;
  for (let i = frame * FRAME; i < (frame + 1) * FRAME; i++) sum += (pcm[i] as number) ** 2;
  return Math.sqrt(sum / FRAME) < QUIET_RMS;
}
