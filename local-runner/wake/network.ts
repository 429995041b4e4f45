/**
 * The wake-word network: a small fully connected network that hears the last second of log mel frames
 * (log-mel.ts) and says how likely it is that the wake word ended just now. Trained by `npm run train:wake`
 * (wake-model/train.ts) on synthesized speech; its weights ship as JSON beside this file.
 */
import { MEL_BANDS } from "./log-mel.js";

/** Frames (10 ms) the network hears at once, averaged in threes: 35 steps of 30 ms. */
export const WINDOW_FRAMES = 105;
export const POOLED = 3;
export const INPUTS = (WINDOW_FRAMES / POOLED) * MEL_BANDS;

export interface Layer {
  readonly inputs: number;
  readonly outputs: number;
  /** outputs × inputs, row by row. */
  readonly weights: Float32Array;
  readonly biases: Float32Array;
}

/** A network's layers; ReLU between them, a logistic output. */
export interface Network {
  readonly layers: readonly Layer[];
}

/** What `npm run train:wake` writes: the network, the word it hears, and how it was made and measured. */
export interface WakeModelFile {
  readonly word: string;
  readonly windowFrames: number;
  readonly pooled: number;
  readonly bands: number;
  readonly layers: readonly {
    readonly inputs: number;
    readonly outputs: number;
    readonly weights: string;
    readonly biases: string;
  }[];
  /** The score at or above which the word is taken as said, `steps` times in a row (30 ms apart). */
  readonly threshold: number;
  readonly steps?: number;
  /** How it was trained (voices, texts, examples) and what it scored on its own validation voices. */
  readonly trained: Record<string, unknown>;
}

const floats = (base64: string) => {
  const bytes = Buffer.from(base64, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const base64 = (values: Float32Array) =>
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("base64");

export function networkOf(file: WakeModelFile): Network {
  if (file.windowFrames !== WINDOW_FRAMES || file.pooled !== POOLED || file.bands !== MEL_BANDS)
    throw new Error(
      `the wake-word model hears ${file.windowFrames} frames of ${file.bands} bands, not ${WINDOW_FRAMES} of ${MEL_BANDS}: train it again with npm run train:wake`,
    );
  return {
    layers: file.layers.map((layer) => ({
      inputs: layer.inputs,
      outputs: layer.outputs,
      weights: floats(layer.weights),
      biases: floats(layer.biases),
    })),
  };
}

export function fileOf(
  network: Network,
  word: string,
  { threshold, steps }: { readonly threshold: number; readonly steps: number },
  trained: Record<string, unknown>,
): WakeModelFile {
  return {
    word,
    steps,
    windowFrames: WINDOW_FRAMES,
    pooled: POOLED,
    bands: MEL_BANDS,
    layers: network.layers.map((layer) => ({
      inputs: layer.inputs,
      outputs: layer.outputs,
      weights: base64(layer.weights),
      biases: base64(layer.biases),
    })),
    threshold,
    trained,
  };
}

/**
 * The network's input for the WINDOW_FRAMES frames ending at `end` (exclusive): frames averaged in threes,
 * each band less its mean over the window (so the microphone's gain and colour do not matter), scaled.
 */
export function windowInput(frames: readonly Float32Array[], end: number, into = new Float32Array(INPUTS)) {
  const start = end - WINDOW_FRAMES;
  const steps = WINDOW_FRAMES / POOLED;
  const means = new Float64Array(MEL_BANDS);
  for (let step = 0; step < steps; step++)
    for (let band = 0; band < MEL_BANDS; band++) {
      let sum = 0;
      for (let k = 0; k < POOLED; k++)
        sum += (frames[start + step * POOLED + k] as Float32Array)[band] as number;
      const value = sum / POOLED;
      into[step * MEL_BANDS + band] = value;
      means[band] = (means[band] as number) + value / steps;
    }
  for (let step = 0; step < steps; step++)
    for (let band = 0; band < MEL_BANDS; band++) {
      const at = step * MEL_BANDS + band;
      into[at] = ((into[at] as number) - (means[band] as number)) / 4;
    }
  return into;
}

/** Every layer's outputs for `input` (after ReLU; the last before the logistic). */
export function activations(network: Network, input: Float32Array): Float32Array[] {
  const outputs: Float32Array[] = [];
  let current = input;
  for (const [index, layer] of network.layers.entries()) {
    const out = new Float32Array(layer.outputs);
    const last = index === network.layers.length - 1;
    for (let o = 0; o < layer.outputs; o++) {
      let sum = layer.biases[o] as number;
      const row = o * layer.inputs;
      for (let i = 0; i < layer.inputs; i++)
        sum += (layer.weights[row + i] as number) * (current[i] as number);
      out[o] = last || sum > 0 ? sum : 0;
    }
    outputs.push(out);
    current = out;
  }
  return outputs;
}

/** How likely the window holds the word's end, 0 to 1. */
export function scoreOf(network: Network, input: Float32Array): number {
  const outputs = activations(network, input);
  const logit = (outputs[outputs.length - 1] as Float32Array)[0] as number;
  return 1 / (1 + Math.exp(-logit));
}
