/**
 * The wake-word network: a small fully connected network that hears the last second of log mel frames
 * (log-mel.ts) and says how likely it is that the wake word ended just now. Trained by `npm run train:wake`
 * (wake-model/train.ts) on synthesized speech; its weights ship as JSON beside this file.
 */
import { readFileSync } from "node:fs";
import { MEL_BANDS } from "./log-mel.js";

/** Frames (10 ms) the network hears at once, averaged in threes: 35 steps of 30 ms. */
export const WINDOW_FRAMES = 105;
export const POOLED = 3;
export const INPUTS = (WINDOW_FRAMES / POOLED) * MEL_BANDS;

export interface Layer {
  readonly inputs: number;
  readonly outputs: number;
  /** One row of `span` weights per channel (biases.length of them). */
  readonly weights: Float32Array;
  /** One per channel. */
  readonly biases: Float32Array;
  /**
   * A convolution over time: each channel sees `span` inputs in a row (some steps of the layer below, every
   * band or channel of each), moved on by `hop` inputs for each of its positions; its outputs are position by
   * position, each position's channels together, as its inputs are. Absent: fully connected (one position,
   * seeing every input).
   */
  readonly span?: number;
  readonly hop?: number;
}

/** A layer's shape: its channels, how many inputs each sees, how far apart its positions are, and how many. */
export function shapeOf(layer: Layer) {
  const channels = layer.biases.length;
  return {
    channels,
    span: layer.span ?? layer.inputs,
    hop: layer.hop ?? 0,
    positions: layer.outputs / channels,
  };
}

/** A network's layers; ReLU between them, a logistic output. */
export interface Network {
  readonly layers: readonly Layer[];
}

/** One layer as the model file holds it: its weights and biases as base64 float32. */
interface LayerFile {
  readonly inputs: number;
  readonly outputs: number;
  readonly weights: string;
  readonly biases: string;
  readonly span?: number;
  readonly hop?: number;
}

/**
 * What `npm run train:wake` writes: the networks (one, or several trained apart whose scores are averaged),
 * the word they hear, and how they were made and measured.
 */
export interface WakeModelFile {
  readonly word: string;
  readonly windowFrames: number;
  readonly pooled: number;
  readonly bands: number;
  readonly networks: readonly { readonly layers: readonly LayerFile[] }[];
  /** The score at or above which the word is taken as said, `steps` times in a row (30 ms apart). */
  readonly threshold: number;
  readonly steps?: number;
  /** Scores are averaged over this many in a row (their logits' mean) before the threshold: 1, none. */
  readonly smooth?: number;
  /** How it was trained (voices, texts, examples) and what it scored on its own validation voices. */
  readonly trained: Record<string, unknown>;
}

const floats = (base64: string) => {
  const bytes = Buffer.from(base64, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const base64 = (values: Float32Array) =>
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("base64");

/** A model file `npm run train:wake` wrote. */
export const readModelFile = (path: string): WakeModelFile =>
  JSON.parse(readFileSync(path, "utf8")) as WakeModelFile;

export function networksOf(file: WakeModelFile): Network[] {
  if (
    file.windowFrames !== WINDOW_FRAMES ||
    file.pooled !== POOLED ||
    file.bands !== MEL_BANDS ||
    !Array.isArray(file.networks)
  )
    throw new Error(
      `the wake-word model is not one this version reads (it hears ${file.windowFrames} frames of ${file.bands} bands, not ${WINDOW_FRAMES} of ${MEL_BANDS}): train it again with npm run train:wake`,
    );
  return file.networks.map((network: WakeModelFile["networks"][number]) => ({
    layers: network.layers.map((layer: LayerFile) => ({
      inputs: layer.inputs,
      outputs: layer.outputs,
      weights: floats(layer.weights),
      biases: floats(layer.biases),
      ...(layer.span === undefined ? {} : { span: layer.span, hop: layer.hop }),
    })),
  }));
}

export function fileOf(
  networks: readonly Network[],
  word: string,
  {
    threshold,
    steps,
    smooth = 1,
  }: { readonly threshold: number; readonly steps: number; readonly smooth?: number },
  trained: Record<string, unknown>,
): WakeModelFile {
  return {
    word,
    steps,
    smooth,
    windowFrames: WINDOW_FRAMES,
    pooled: POOLED,
    bands: MEL_BANDS,
    networks: networks.map((network) => ({
      layers: network.layers.map((layer) => ({
        inputs: layer.inputs,
        outputs: layer.outputs,
        weights: base64(layer.weights),
        biases: base64(layer.biases),
        ...(layer.span === undefined ? {} : { span: layer.span, hop: layer.hop }),
      })),
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
    const { channels, span, hop, positions } = shapeOf(layer);
    for (let position = 0; position < positions; position++) {
      const from = position * hop;
      for (let o = 0; o < channels; o++) {
        let sum = layer.biases[o] as number;
        const row = o * span;
        for (let i = 0; i < span; i++)
          sum += (layer.weights[row + i] as number) * (current[from + i] as number);
        out[position * channels + o] = last || sum > 0 ? sum : 0;
      }
    }
    outputs.push(out);
    current = out;
  }
  return outputs;
}

/** The network's output before the logistic. */
export function logitOf(network: Network, input: Float32Array): number {
  const outputs = activations(network, input);
  return (outputs[outputs.length - 1] as Float32Array)[0] as number;
}

/**
 * How likely the window holds the word's end, 0 to 1: the logistic of the networks' mean output, so that
 * networks trained apart must agree (their false alarms seldom coincide).
 */
export function scoreOf(networks: Network | readonly Network[], input: Float32Array): number {
  const all = "layers" in networks ? [networks] : networks;
  let sum = 0;
  for (const network of all) sum += logitOf(network, input);
  return 1 / (1 + Math.exp(-sum / all.length));
}
