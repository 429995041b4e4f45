/**
 * Trains the wake-word network (local-runner/wake/network.ts) on synthesized speech (dataset.ts) and writes
 * its weights, with the threshold chosen on voices it never trained on.
 *
 *   npm run train:wake                         about 50 minutes; one fully connected network, into local-runner/wake/samantha.json
 *
 * The shipped model is six networks: two fully connected and four convolutional (two seeds), of each kind and
 * seed one trained with festival's recorded voices and one without (synthesis 20 and 35 minutes, training
 * 15 to 25 minutes a network, two side by side on 2 cores). Their setting was chosen with --grid and --pool
 * on bench:wake's first five held-out splits together: the fewest misses among the settings with at most 0.5
 * false wakes an hour, on average over the three phases; held-out-6 and held-out-7 then chose between them and
 * the convolutional seed-2 pair alone, blind; then held-out-8 chose the two convolutional networks with the
 * recorded voices trained again with --noisier-words (on their own examples, 30 minutes to synthesize, 35 to
 * train each) in place of the two convolutional networks with the recorded voices, seeds 1 and 2 ($N below;
 * docs/voice.md):
 *
 *   npm run train:wake -- --examples /tmp/with.bin --out /tmp/with.json
 *   npm run train:wake -- --no-recorded --examples /tmp/without.bin --out /tmp/without.json
 *   npm run train:wake -- --hidden conv24x3,conv24x3/2,48 --examples /tmp/with.bin --out /tmp/conv-with.json
 *   npm run train:wake -- --hidden conv24x3,conv24x3/2,48 --no-recorded --examples /tmp/without.bin --out /tmp/conv-without.json
 *   npm run train:wake -- --hidden conv24x3,conv24x3/2,48 --seed 2 --examples /tmp/with.bin --out /tmp/conv2-with.json
 *   npm run train:wake -- --hidden conv24x3,conv24x3/2,48 --seed 2 --no-recorded --examples /tmp/without.bin --out /tmp/conv2-without.json
 *   npm run train:wake -- --hidden conv24x3,conv24x3/2,48 --noisier-words --examples /tmp/noisier.bin --out /tmp/noisier-with.json
 *   npm run train:wake -- --hidden conv24x3,conv24x3/2,48 --noisier-words --seed 2 --examples /tmp/noisier.bin --out /tmp/noisier2-with.json
 *   M=/tmp/with.json,/tmp/without.json,/tmp/conv-with.json,/tmp/conv-without.json,/tmp/conv2-with.json,/tmp/conv2-without.json
 *   N=/tmp/with.json,/tmp/without.json,/tmp/noisier-with.json,/tmp/conv-without.json,/tmp/noisier2-with.json,/tmp/conv2-without.json
 *   npm run train:wake -- --examples /tmp/with.bin --combine $M --out /tmp/six.json
 *   npm run bench:wake -- --grid --splits held-out,held-out-2,held-out-3 --wake-model /tmp/six.json --grid-out /tmp/grid.json
 *   npm run bench:wake -- --pool /tmp/grid.json,...   (with held-out-4's grid, and held-out-5's with --minutes 120)
 *   npm run train:wake -- --examples /tmp/with.bin --combine $M --setting 0.99,4,4 --out /tmp/six.json
 *   npm run train:wake -- --noisier-words --examples /tmp/noisier.bin --combine $N --setting 0.99,4,4 --out /tmp/noisier-six.json
 *   npm run bench:wake -- --grid --splits held-out-8 --minutes 120 --wake-model /tmp/six.json,/tmp/noisier-six.json
 *   cp /tmp/noisier-six.json local-runner/wake/samantha.json
 *
 * The "stop" network heard over answers (local-runner/wake/stop.json, barge-in.ts) is a pair made the same
 * way for the word "stop", without bench:barge-in's voices, with 180 minutes of talk; its setting was chosen
 * over answers' echo on voices of its validation split (docs/voice.md, Interrupting):
 *
 *   H=flite:slt,flite:awb,festival:kal_diphone
 *   npm run train:wake -- --word stop --talk-minutes 180 --hold-out $H --examples /tmp/stop-with.bin --out /tmp/stop-with.json
 *   npm run train:wake -- --word stop --talk-minutes 180 --hold-out $H --no-recorded --examples /tmp/stop-without.bin --out /tmp/stop-without.json
 *   npm run train:wake -- --word stop --talk-minutes 180 --hold-out $H --examples /tmp/stop-with.bin \
 *     --combine /tmp/stop-with.json,/tmp/stop-without.json --setting 0.9,4,4 --out local-runner/wake/stop.json
 *
 * Other uses:
 *   npm run train:wake -- --per-voice 2 --talk-minutes 2 --epochs 2 --out /tmp/tiny.json     a quick try
 *   npm run train:wake -- --examples FILE --seed 2 --out b.json      another network on the same examples
 *   npm run train:wake -- --examples FILE --combine a.json,b.json     one model of both, its setting chosen again
 *   npm run train:wake -- --spoken-talk --hidden conv24x3,conv24x3/2,48 --examples /tmp/w5.bin --out /tmp/c.json
 *                                                  with spoken talk among the other talk (tried, not shipped)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { deserialize, serialize } from "node:v8";
import { Command } from "commander";
import { FRAME_SHIFT, MEL_BANDS } from "../local-runner/wake/log-mel.js";
import {
  activations,
  fileOf,
  INPUTS,
  type Layer,
  type Network,
  networksOf,
  readModelFile,
  scoreOf,
  shapeOf,
  WINDOW_FRAMES,
  windowInput,
} from "../local-runner/wake/network.js";
import { PeakPicker } from "../local-runner/wake/network-detector.js";
import { SCORE_STRIDE } from "../local-runner/wake/window-scores.js";
import { type Clip, type DatasetOptions, dataset, RECORDED_VOICES, seeded, WORD_VOICES } from "./dataset.js";

/** One window to learn from: the clip, where the window ends, and whether the word just ended there. */
export interface Example {
  readonly clip: Clip;
  readonly end: number;
  readonly label: 0 | 1;
}

export const examplesOf = (clips: readonly Clip[]): Example[] =>
  clips.flatMap((clip) => [
    ...clip.positives.map((end): Example => ({ clip, end, label: 1 })),
    ...clip.negatives.map((end): Example => ({ clip, end, label: 0 })),
  ]);

/** A convolution over time: `channels` outputs at each position, seeing `kernel` steps, `stride` steps apart. */
export interface Convolution {
  readonly channels: number;
  readonly kernel: number;
  readonly stride: number;
}

/** Layer sizes as `--hidden` gives them: "64" is fully connected, "conv24x3" a convolution, "conv24x3/2" strided. */
export function layerSpecs(hidden: string): (number | Convolution)[] {
  return hidden.split(",").map((entry) => {
    const convolution = /^conv(\d+)x(\d+)(?:\/(\d+))?$/.exec(entry.trim());
    if (convolution)
      return {
        channels: Number(convolution[1]),
        kernel: Number(convolution[2]),
        stride: Number(convolution[3] ?? 1),
      };
    const size = Number(entry);
    if (!Number.isInteger(size) || size < 1)
      throw new Error(
        `--hidden: "${entry}" is neither a size (64) nor a convolution (conv24x3 or conv24x3/2)`,
      );
    return size;
  });
}

/**
 * A network of `sizes` (its inputs first, then each layer's outputs or convolution), with He-initialised
 * weights. Its inputs are steps of `channels` values each (the window's mel bands).
 */
export function newNetwork(
  sizes: readonly [number, ...(number | Convolution)[]],
  random: () => number,
  channels = MEL_BANDS,
): Network {
  const layers: Layer[] = [];
  let [inputs, inputChannels] = [sizes[0], channels];
  for (const size of sizes.slice(1) as (number | Convolution)[]) {
    const convolution = typeof size === "number" ? undefined : size;
    const span = convolution ? convolution.kernel * inputChannels : inputs;
    const outChannels = convolution ? convolution.channels : (size as number);
    const positions = convolution
      ? Math.floor((inputs / inputChannels - convolution.kernel) / convolution.stride) + 1
      : 1;
    if (positions < 1)
      throw new Error(`a convolution of ${span / inputChannels} steps is longer than its input`);
    const spread = Math.sqrt(2 / span);
    const weights = Float32Array.from({ length: span * outChannels }, () => {
      // Box-Muller.
      const u = Math.max(random(), 1e-12);
      return spread * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    });
    const outputs = positions * outChannels;
    layers.push({
      inputs,
      outputs,
      weights,
      biases: new Float32Array(outChannels),
      ...(convolution ? { span, hop: convolution.stride * inputChannels } : {}),
    });
    [inputs, inputChannels] = [outputs, outChannels];
  }
  return { layers };
}

/** Adam's running moments, one pair per weight and bias. */
class Adam {
  private readonly moments: { m: Float32Array; v: Float32Array }[];
  private step = 0;
  constructor(
    private readonly network: Network,
    private readonly rate: number,
  ) {
    this.moments = network.layers.flatMap((layer) => [
      { m: new Float32Array(layer.weights.length), v: new Float32Array(layer.weights.length) },
      { m: new Float32Array(layer.biases.length), v: new Float32Array(layer.biases.length) },
    ]);
  }

  apply(gradients: readonly Float32Array[], rate = this.rate): void {
    this.step++;
    const [b1, b2] = [0.9, 0.999];
    const correction = Math.sqrt(1 - b2 ** this.step) / (1 - b1 ** this.step);
    const parameters = this.network.layers.flatMap((layer) => [layer.weights, layer.biases]);
    for (const [index, values] of parameters.entries()) {
      const gradient = gradients[index] as Float32Array;
      const { m, v } = this.moments[index] as { m: Float32Array; v: Float32Array };
      for (let i = 0; i < values.length; i++) {
        const g = gradient[i] as number;
        m[i] = b1 * (m[i] as number) + (1 - b1) * g;
        v[i] = b2 * (v[i] as number) + (1 - b2) * g * g;
        values[i] =
          (values[i] as number) - (rate * correction * (m[i] as number)) / (Math.sqrt(v[i] as number) + 1e-8);
      }
    }
  }
}

/**
 * Adds one example's gradient of the weighted logistic loss to `gradients` (weights and biases per layer);
 * returns its loss.
 */
export function backpropagate(
  network: Network,
  input: Float32Array,
  label: number,
  weight: number,
  gradients: Float32Array[],
) {
  const outputs = activations(network, input);
  const logit = (outputs[outputs.length - 1] as Float32Array)[0] as number;
  const p = 1 / (1 + Math.exp(-logit));
  let delta = Float32Array.of(weight * (p - label));
  for (let index = network.layers.length - 1; index >= 0; index--) {
    const layer = network.layers[index] as Layer;
    const below = index === 0 ? input : (outputs[index - 1] as Float32Array);
    const weightGradient = gradients[2 * index] as Float32Array;
    const biasGradient = gradients[2 * index + 1] as Float32Array;
    const next = index > 0 ? new Float32Array(layer.inputs) : undefined;
    const { channels, span, hop, positions } = shapeOf(layer);
    for (let position = 0; position < positions; position++) {
      const from = position * hop;
      for (let o = 0; o < channels; o++) {
        const d = delta[position * channels + o] as number;
        if (d === 0) continue;
        biasGradient[o] = (biasGradient[o] as number) + d;
        const row = o * span;
        for (let i = 0; i < span; i++) {
          weightGradient[row + i] = (weightGradient[row + i] as number) + d * (below[from + i] as number);
          if (next) next[from + i] = (next[from + i] as number) + d * (layer.weights[row + i] as number);
        }
      }
    }
    if (next) {
      // Through the ReLU below.
      for (let i = 0; i < next.length; i++) if ((below[i] as number) <= 0) next[i] = 0;
      delta = next;
    }
  }
  const clipped = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
  return -weight * (label * Math.log(clipped) + (1 - label) * Math.log(1 - clipped));
}

export function scoreExample(
  network: Network | readonly Network[],
  example: Example,
  input = new Float32Array(INPUTS),
): number {
  return scoreOf(network, windowInput(example.clip.frames, example.end, input));
}

export interface TrainingOptions {
  readonly epochs: number;
  readonly batch: number;
  readonly rate: number;
  /** Negatives per positive in each epoch, half of them the ones the network scored highest. */
  readonly negativesPerPositive: number;
  readonly seed: number;
  /** L2 weight decay, added to each weight's gradient. */
  readonly decay: number;
  readonly log?: (line: string) => void;
}

/**
 * SpecAugment's masks, so the network cannot lean on any one band or moment: up to 4 neighbouring bands and
 * up to 3 neighbouring 30 ms steps of the window set to the window's mean (zero), each half the time.
 */
export function masked(input: Float32Array, random: () => number): Float32Array {
  const steps = input.length / MEL_BANDS;
  if (random() < 0.5) {
    const width = 1 + Math.floor(random() * 4);
    const first = Math.floor(random() * (MEL_BANDS - width));
    for (let step = 0; step < steps; step++)
      input.fill(0, step * MEL_BANDS + first, step * MEL_BANDS + first + width);
  }
  if (random() < 0.5) {
    const width = 1 + Math.floor(random() * 3);
    const first = Math.floor(random() * (steps - width));
    input.fill(0, first * MEL_BANDS, (first + width) * MEL_BANDS);
  }
  return input;
}

/** L2 weight decay: `rate` times each weight added to its gradient (biases are left alone). */
function decay(network: Network, gradients: Float32Array[], rate: number): void {
  for (const [index, layer] of network.layers.entries()) {
    const gradient = gradients[2 * index] as Float32Array;
    for (let i = 0; i < gradient.length; i++)
      gradient[i] = (gradient[i] as number) + rate * (layer.weights[i] as number);
  }
}

const HARD_SEARCH = 300_000;

/** Trains `network` in place on `examples`. */
export function train(network: Network, examples: readonly Example[], options: TrainingOptions): void {
  const random = seeded(options.seed);
  const positives = examples.filter((example) => example.label === 1);
  const negatives = examples.filter((example) => example.label === 0);
  const adam = new Adam(network, options.rate);
  const input = new Float32Array(INPUTS);
  let hard: Example[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const wanted = Math.min(negatives.length, positives.length * options.negativesPerPositive);
    const chosen = [...hard.slice(0, wanted / 2)];
    while (chosen.length < wanted) chosen.push(negatives[Math.floor(random() * negatives.length)] as Example);
    const epochExamples = [...positives, ...chosen];
    for (let i = epochExamples.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [epochExamples[i], epochExamples[j]] = [epochExamples[j] as Example, epochExamples[i] as Example];
    }
    // Positives weigh as much in all as the negatives.
    const positiveWeight = chosen.length / positives.length;
    const rate = options.rate * (epoch >= options.epochs - 2 ? 0.3 : 1);
    let loss = 0;
    for (let start = 0; start < epochExamples.length; start += options.batch) {
      const gradients = network.layers.flatMap((layer) => [
        new Float32Array(layer.weights.length),
        new Float32Array(layer.biases.length),
      ]);
      const batch = epochExamples.slice(start, start + options.batch);
      for (const example of batch)
        loss += backpropagate(
          network,
          masked(windowInput(example.clip.frames, example.end, input), random),
          example.label,
          (example.label === 1 ? positiveWeight : 1) / batch.length,
          gradients,
        );
      decay(network, gradients, options.decay);
      adam.apply(gradients, rate);
    }
    // The negatives it now finds hardest, for the next epoch.
    // Of at most 300,000 negatives drawn at random, so that an epoch's search is bounded.
    const searched =
      negatives.length <= HARD_SEARCH
        ? negatives
        : Array.from(
            { length: HARD_SEARCH },
            () => negatives[Math.floor(random() * negatives.length)] as Example,
          );
    hard = searched
      .map((example) => ({ example, score: scoreExample(network, example, input) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, wanted / 2)
      .map(({ example }) => example);
    options.log?.(
      `epoch ${epoch + 1}: loss ${(loss / (epochExamples.length / options.batch)).toFixed(4)}, hardest negative ${scoreExample(network, hard[0] as Example, input).toFixed(3)}`,
    );
  }
}

/** After the word is heard, the detector does not fire again for this many frames. */
const REFRACTORY_FRAMES = 100;

/**
 * The network's score of every window of `clip` it would hear listening (every SCORE_STRIDE frames), or of every
 * `stride` frames.
 */
export function scoresOf(
  network: Network | readonly Network[],
  clip: Clip,
  stride: number = SCORE_STRIDE,
): { readonly end: number; readonly score: number }[] {
  const input = new Float32Array(INPUTS);
  const scores = [];
  for (let end = WINDOW_FRAMES; end <= clip.frames.length; end += stride)
    scores.push({ end, score: scoreExample(network, { clip, end, label: 0 }, input) });
  return scores;
}

/**
 * Where a detector at `threshold`, `steps` scores in a row (each the mean of `smooth`), takes the word to end, given a clip's scores
 * (scoresOf), as listen's (network-detector.ts) does.
 */
export function firings(
  scores: ReturnType<typeof scoresOf>,
  threshold: number,
  steps: number,
  smooth = 1,
): number[] {
  const fired: number[] = [];
  const peaks = new PeakPicker(threshold, steps, smooth);
  for (const { end, score } of scores) {
    if (fired.length > 0 && end - (fired[fired.length - 1] as number) < REFRACTORY_FRAMES) continue;
    const peak = peaks.next(score, end);
    if (peak) fired.push(peak.frame);
  }
  return fired;
}

export interface Measured {
  readonly threshold: number;
  readonly steps: number;
  readonly smooth: number;
  readonly missed: number;
  readonly words: number;
  readonly falseFirings: number;
  readonly talkHours: number;
}

/**
 * The detector on whole clips at `threshold`: a word is found when it fires within 300 ms of the word's end,
 * and any other firing is false.
 */
export function measure(
  scored: readonly { readonly clip: Clip; readonly scores: ReturnType<typeof scoresOf> }[],
  threshold: number,
  steps: number,
  smooth = 1,
): Measured {
  let [missed, words, falseFirings, talkFrames] = [0, 0, 0, 0];
  for (const { clip, scores } of scored) {
    const fired = firings(scores, threshold, steps, smooth);
    if (clip.positives.length === 0) {
      falseFirings += fired.length;
      talkFrames += clip.frames.length;
      continue;
    }
    words++;
    const [first, last] = [clip.positives[0] as number, clip.positives[clip.positives.length - 1] as number];
    const hit = fired.filter((end) => end >= first - 25 && end <= last + 20);
    if (hit.length === 0) missed++;
    falseFirings += fired.length - hit.length;
  }
  return {
    threshold,
    steps,
    smooth,
    missed,
    words,
    falseFirings,
    talkHours: (talkFrames * FRAME_SHIFT) / 16000 / 3600,
  };
}

/** The thresholds and run lengths a setting is chosen among. */
export const THRESHOLDS = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999] as const;
export const RUN_LENGTHS = [1, 2, 3, 4, 5] as const;
/** How many scores in a row are averaged before the threshold (1: none). */
export const SMOOTHINGS = [1, 4] as const;

/** The share of words a chosen setting may miss on the validation voices: openWakeWord's target. */
export const MISS_BUDGET = 0.05;

/**
 * The threshold and run length chosen on the validation voices: of the settings that miss at most
 * MISS_BUDGET of the words, the one that fired falsely least, then missed fewest (the shorter run, then the
 * lower threshold, on a tie); if every setting misses more, the one that missed fewest.
 */
export function chosenSetting(results: readonly Measured[]): Measured {
  const withinBudget = results.filter((result) => result.missed <= MISS_BUDGET * result.words);
  const tie = (a: Measured, b: Measured) =>
    a.smooth - b.smooth || a.steps - b.steps || a.threshold - b.threshold;
  const ranked =
    withinBudget.length > 0
      ? withinBudget.sort((a, b) => a.falseFirings - b.falseFirings || a.missed - b.missed || tie(a, b))
      : [...results].sort((a, b) => a.missed - b.missed || a.falseFirings - b.falseFirings || tie(a, b));
  return ranked[0] as Measured;
}

/**
 * What a set of examples was synthesized from (dataset()'s options, none left to a default): kept beside
 * them in an `--examples` file. Its seed is the synthesis's; training may use another (`--seed`).
 */
export type ExamplesMade = Required<
  Pick<DatasetOptions, "word" | "perVoice" | "talkMinutes" | "spokenTalk" | "voices" | "seed">
> &
  Pick<DatasetOptions, "noisierWords">;

/**
 * How examples made one way differ from what a run asks for, one line each (empty when they match). The
 * seed is not compared: training other networks on the same examples with `--seed` is what the file is for.
 */
export function examplesMismatch(made: ExamplesMade, wanted: ExamplesMade): string[] {
  const differences: string[] = [];
  for (const key of ["word", "perVoice", "talkMinutes", "spokenTalk"] as const)
    if (made[key] !== wanted[key])
      differences.push(`${key}: made with ${made[key]}, asked for ${wanted[key]}`);
  // Files written before --noisier-words have none.
  if ((made.noisierWords ?? false) !== (wanted.noisierWords ?? false))
    differences.push(
      `noisierWords: made with ${made.noisierWords ?? false}, asked for ${wanted.noisierWords ?? false}`,
    );
  const extra = made.voices.filter((voice) => !wanted.voices.includes(voice));
  const missing = wanted.voices.filter((voice) => !made.voices.includes(voice));
  if (extra.length > 0) differences.push(`voices not asked for: ${extra.join(", ")}`);
  if (missing.length > 0) differences.push(`voices asked for but not in it: ${missing.join(", ")}`);
  return differences;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const options = new Command()
    .option("--word <word>", "the wake word", "samantha")
    .option("--per-voice <n>", "sayings of the word per voice", Number, 12)
    .option("--talk-minutes <n>", "minutes of other talk", Number, 240)
    .option("--epochs <n>", "passes over the examples", Number, 8)
    .option(
      "--hidden <sizes>",
      'hidden layers, comma-separated: a size is fully connected, "conv24x3" a convolution over time of 24 channels seeing 3 steps, "conv24x3/2" one moved 2 steps at a time',
      "64,32",
    )
    .option("--decay <rate>", "L2 weight decay", Number, 1e-3)
    .option("--weights <file>", "start from these weights (with --epochs 0: only choose the threshold again)")
    .option(
      "--combine <files>",
      "no training: one model of the networks in these files (comma-separated), their scores averaged, its setting chosen on the validation voices",
    )
    .option("--examples <file>", "keep the synthesized examples there, or read them from there if it exists")
    .option("--seed <n>", "for repeatable training", Number, 1)
    .option(
      "--setting <threshold,steps[,smooth]>",
      "take this threshold, run length and smoothing (1 by default) instead of the validation voices' choice (say where it was chosen, in the docs)",
    )
    .option("--no-recorded", "leave festival's recorded voices (RECORDED_VOICES in dataset.ts) out")
    .option(
      "--spoken-talk",
      "also read wake-model/talk's everyday and broadcast talk as other talk (tried, not shipped: docs/voice.md)",
    )
    .option(
      "--noisier-words",
      "hear half the training sayings of the word in pink noise or babble at 3 to 15 dB SNR (80% in noise in all)",
    )
    .option(
      "--hold-out <voices>",
      "comma-separated voices left out of training and validation, for a bench that measures on them",
      (value: string) => value.split(",").map((voice) => voice.trim()),
      [] as string[],
    )
    .option("--out <file>", "where the weights go", "local-runner/wake/samantha.json")
    .parse()
    .opts<{
      word: string;
      perVoice: number;
      talkMinutes: number;
      epochs: number;
      hidden: string;
      seed: number;
      decay: number;
      out: string;
      examples?: string;
      weights?: string;
      combine?: string;
      recorded: boolean;
      spokenTalk?: boolean;
      noisierWords?: boolean;
      holdOut: string[];
      setting?: string;
    }>();
  const started = Date.now();
  const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`);
  const wanted: ExamplesMade = {
    word: options.word,
    perVoice: options.perVoice,
    talkMinutes: options.talkMinutes,
    spokenTalk: options.spokenTalk ?? false,
    ...(options.noisierWords ? { noisierWords: true } : {}),
    voices: WORD_VOICES.filter(
      (voice) => (options.recorded || !RECORDED_VOICES.includes(voice)) && !options.holdOut.includes(voice),
    ),
    seed: options.seed,
  };
  const build = () =>
    dataset({ ...wanted, progress: (done) => (done.startsWith("other") ? log(done) : undefined) });
  // The examples take minutes to synthesize: --examples keeps them for trying other training settings.
  const cached = options.examples && existsSync(options.examples);
  const {
    train: trainClips,
    validation,
    made,
  } = cached
    ? (deserialize(readFileSync(options.examples as string)) as ReturnType<typeof build> & {
        made?: ExamplesMade;
      })
    : { ...build(), made: wanted };
  if (cached && made) {
    // Options that shape the examples do nothing once they are on disk: say so rather than train on others.
    const differences = examplesMismatch(made, wanted);
    if (differences.length > 0) {
      console.error(
        `${options.examples} holds examples made otherwise than this run asks:\n  ${differences.join("\n  ")}\n` +
          "Give the options they were made with, or another --examples file to synthesize them anew.",
      );
      process.exit(1);
    }
  } else if (cached)
    log(`${options.examples} does not say what it was made from (written before it did): taken as asked`);
  if (options.examples && !cached)
    writeFileSync(options.examples, serialize({ train: trainClips, validation, made: wanted }));
  const examples = examplesOf(trainClips);
  log(
    `${trainClips.length} training clips (${examples.filter((e) => e.label === 1).length} positive windows, ${examples.filter((e) => e.label === 0).length} negative), ${validation.length} validation clips`,
  );
  const sizes: [number, ...(number | Convolution)[]] = [INPUTS, ...layerSpecs(options.hidden), 1];
  const combined = options.combine?.split(",").map(readModelFile);
  let networks: Network[];
  if (combined) networks = combined.flatMap(networksOf);
  else {
    const network = options.weights
      ? (networksOf(readModelFile(options.weights))[0] as Network)
      : newNetwork(sizes, seeded(options.seed));
    train(network, examples, {
      epochs: options.epochs,
      batch: 64,
      rate: 1e-3,
      negativesPerPositive: 4,
      seed: options.seed,
      decay: options.decay,
      log,
    });
    networks = [network];
  }
  const scored = validation.map((clip) => ({ clip, scores: scoresOf(networks, clip) }));
  const results = SMOOTHINGS.flatMap((smooth) =>
    THRESHOLDS.flatMap((threshold) => RUN_LENGTHS.map((steps) => measure(scored, threshold, steps, smooth))),
  );
  for (const result of results)
    log(
      `threshold ${result.threshold}, ${result.steps} in a row of means of ${result.smooth}: missed ${result.missed}/${result.words}, false ${result.falseFirings} (${result.talkHours.toFixed(2)} h of talk)`,
    );
  const given = options.setting?.split(",").map(Number);
  const settingFrom = given ? "given (--setting)" : "chosen on the validation voices";
  const chosen = given
    ? measure(scored, given[0] as number, given[1] as number, given[2] ?? 1)
    : chosenSetting(results);
  writeFileSync(
    options.out,
    `${JSON.stringify(
      fileOf(
        networks,
        options.word,
        chosen,
        combined
          ? // How each network was trained, and what they scored together.
            { members: combined.map((file) => file.trained), validation: results, settingFrom }
          : {
              // Trained further from --weights: how those were trained, then these epochs.
              ...(options.weights ? { from: readModelFile(options.weights).trained } : {}),
              perVoice: options.perVoice,
              talkMinutes: options.talkMinutes,
              recordedVoices: options.recorded,
              ...(options.spokenTalk ? { spokenTalk: true } : {}),
              ...(options.noisierWords ? { noisierWords: true } : {}),
              ...(options.holdOut.length > 0 ? { heldOutVoices: options.holdOut } : {}),
              epochs: options.epochs,
              sizes: networks[0]?.layers.map((layer) => layer.inputs).concat(1),
              hidden: options.hidden,
              seed: options.seed,
              // Trained on examples synthesized with another seed (an --examples file).
              ...(made && made.seed !== options.seed ? { examplesSeed: made.seed } : {}),
              validation: results,
              settingFrom,
            },
      ),
    )}\n`,
  );
  log(
    `wrote ${options.out} (threshold ${chosen.threshold}, ${chosen.steps} in a row of means of ${chosen.smooth})`,
  );
}
