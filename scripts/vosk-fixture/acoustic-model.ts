/**
 * The fixture's acoustic model in Kaldi's text format (am/final.mdl: a TransitionModel, then an nnet3
 * AmNnetSimple), and the configuration files libvosk reads beside it. The network is set by hand: an
 * affine layer that undoes the MFCC's cosine transform and measures each tone on the log mel energies, a
 * rectifier, an affine layer that scores each pdf, then a log-softmax.
 */
import { GARBAGE_PDF, MFCC, PDF_COUNT, PHONES, SILENCE_PDF, TONE_BINS, tonePdf } from "./phonetics.js";

/** Kaldi samples the network's output every third frame (30 ms), as chain models do. */
export const FRAME_SUBSAMPLING_FACTOR = 3;

/**
 * How the network scores a frame, in log mel energies (natural log of power). A tone's "contrast", its
 * bin minus the mean of all bins, is about 18 when the tone sounds and at most about 5 when another tone
 * does (as Kaldi computes them: pre-emphasis, povey window, 512-point FFT); digital silence is flat,
 * contrast 0. A tone scores its contrast; silence scores SILENCE_SCORE. Garbage (the [unk] model) scores
 * the largest contrast less GARBAGE_GAP: just behind the right tone, far ahead of a wrong one. That gap
 * must stay small: a phrase can take a tone it does not hold for one 30 ms frame, and [unk] pays the gap
 * on every frame of a word, so a wide gap makes any phrase cheaper than [unk].
 */
const SILENCE_SCORE = 10;
const GARBAGE_GAP = 1.5;
/** The garbage unit of a tone fires above this contrast: between "another tone sounds" and "it sounds". */
const PRESENT_FROM = 8;
/** Lifts the contrasts the hidden layer passes on unchanged above the rectifier's zero. */
const PASS_LIFT = 50;

/** conf/mfcc.conf: no dither (identical features on every run), no energy or lifter (an invertible DCT). */
export function mfccConf(): string {
  return [
    `--sample-frequency=${MFCC.sampleRate}`,
    "--use-energy=false",
    `--num-mel-bins=${MFCC.melBins}`,
    `--num-ceps=${MFCC.melBins}`,
    "--cepstral-lifter=0",
    `--low-freq=${MFCC.lowFreq}`,
    `--high-freq=${MFCC.highFreq}`,
    "--dither=0",
    "",
  ].join("\n");
}

/** conf/model.conf: the decoder and endpoint options libvosk registers and reads from it. */
export function modelConf(): string {
  const silence = PHONES.filter((phone) => phone.pdf === SILENCE_PDF).map((phone) => phone.id);
  return [
    // Kaldi's default of 200 keeps that many hopeless tokens alive on a graph this small, and the lattice
    // determinizer then spends most of a second on every long silence.
    "--min-active=20",
    "--max-active=7000",
    "--beam=13.0",
    "--lattice-beam=6.0",
    "--acoustic-scale=1.0",
    `--frame-subsampling-factor=${FRAME_SUBSAMPLING_FACTOR}`,
    `--endpoint.silence-phones=${silence.join(":")}`,
    "--endpoint.rule2.min-trailing-silence=0.5",
    "--endpoint.rule3.min-trailing-silence=1.0",
    "--endpoint.rule4.min-trailing-silence=2.0",
    "",
  ].join("\n");
}

/**
 * Transition-ids as Kaldi's TransitionModel numbers them for these phones: one transition-state per
 * phone (phones.txt order, one emitting state each), and per state its self-loop then its forward
 * transition, in the topology's order.
 */
export function transitionIds(phoneId: number): { selfLoop: number; forward: number } {
  return { selfLoop: 2 * phoneId - 1, forward: 2 * phoneId };
}

/** The number of transition-ids (the largest one). */
export const TRANSITION_ID_COUNT = 2 * PHONES.length;

/** Kaldi's DCT-II matrix for the MFCC (feat/feature-functions.cc ComputeDctMatrix): orthonormal. */
function dctMatrix(size: number): number[][] {
  return Array.from({ length: size }, (_, k) =>
    Array.from({ length: size }, (_, n) =>
      k === 0 ? Math.sqrt(1 / size) : Math.sqrt(2 / size) * Math.cos((Math.PI / size) * (n + 0.5) * k),
    ),
  );
}

/** An affine layer's weights and biases, one row per output. */
interface Affine {
  readonly linear: number[][];
  readonly bias: number[];
}

/**
 * The hidden layer, on the log mel energies: per tone, its contrast lifted by PASS_LIFT (passed on), then
 * its contrast less PRESENT_FROM (the rectifier keeps only a tone that sounds).
 */
function contrastLayer(): Affine {
  const bins = MFCC.melBins;
  const contrast = (bin: number) =>
    Array.from({ length: bins }, (_, index) => (index === bin ? 1 : 0) - 1 / bins);
  return {
    linear: [...TONE_BINS.map(contrast), ...TONE_BINS.map(contrast)],
    bias: [...TONE_BINS.map(() => PASS_LIFT), ...TONE_BINS.map(() => -PRESENT_FROM)],
  };
}

/** The output layer, on the rectified hidden units: one score per pdf. */
function scoreLayer(): Affine {
  const tones = TONE_BINS.length;
  const rows = Array.from({ length: PDF_COUNT }, () => ({
    weights: new Array<number>(2 * tones).fill(0),
    bias: 0,
  }));
  const silence = rows[SILENCE_PDF];
  const garbage = rows[GARBAGE_PDF];
  if (!silence || !garbage) throw new Error("the fixture needs silence and garbage pdfs");
  silence.bias = SILENCE_SCORE;
  // Only the tone that sounds passes the rectifier, so the sum is its contrast less PRESENT_FROM.
  garbage.weights.fill(1, tones);
  garbage.bias = PRESENT_FROM - GARBAGE_GAP;
  for (let tone = 1; tone <= tones; tone++) {
    const row = rows[tonePdf(tone)];
    if (!row) continue;
    row.weights[tone - 1] = 1;
    row.bias = -PASS_LIFT;
  }
  return { linear: rows.map((row) => row.weights), bias: rows.map((row) => row.bias) };
}

/**
 * A layer on the log mel energies moved onto the MFCC: the cepstra are D·logmel with D orthonormal, so
 * w·logmel is (D·w)·mfcc.
 */
function onCepstra({ linear, bias }: Affine): Affine {
  const dct = dctMatrix(MFCC.melBins);
  return {
    linear: linear.map((weights) =>
      dct.map((row) => row.reduce((sum, value, index) => sum + value * (weights[index] ?? 0), 0)),
    ),
    bias,
  };
}

const number = (value: number) => Number(value.toPrecision(7)).toString();
const vector = (values: readonly number[]) => ` [ ${values.map(number).join(" ")} ]`;
const matrix = (rows: readonly (readonly number[])[]) =>
  ` [${rows.map((row) => `\n  ${row.map(number).join(" ")}`).join("")} ]`;

/** The TransitionModel: one topology for every phone (one emitting state with a self-loop), p = 0.5 each. */
function transitionModelText(): string {
  const topology = [
    "<Topology>",
    "<TopologyEntry>",
    "<ForPhones>",
    PHONES.map((phone) => phone.id).join(" "),
    "</ForPhones>",
    "<State> 0 <PdfClass> 0 <Transition> 0 0.5 <Transition> 1 0.5 </State>",
    "<State> 1 </State>",
    "</TopologyEntry>",
    "</Topology>",
  ];
  const triples = PHONES.map((phone) => `${phone.id} 0 ${phone.pdf}`);
  // Indexed by transition-id; index 0 is unused.
  const logProbs = [0, ...PHONES.flatMap(() => [Math.log(0.5), Math.log(0.5)])];
  return [
    "<TransitionModel>",
    ...topology,
    `<Triples> ${triples.length}`,
    ...triples,
    "</Triples>",
    `<LogProbs>${vector(logProbs)}`,
    "</LogProbs>",
    "</TransitionModel>",
  ].join("\n");
}

const affineText = (name: string, { linear, bias }: Affine) =>
  `<ComponentName> ${name} <FixedAffineComponent> <LinearParams>${matrix(linear)}\n<BiasParams>${vector(bias)}\n</FixedAffineComponent>`;

const nonlinearText = (name: string, type: string, dim: number) =>
  `<ComponentName> ${name} <${type}> <Dim> ${dim} <ValueAvg> [ ] <DerivAvg> [ ] <Count> 0 <NumDimsSelfRepaired> 0 <NumDimsProcessed> 0 </${type}>`;

/**
 * The AmNnetSimple: the nnet3 network (config lines, a blank line, the components), its context (none:
 * each frame is scored alone) and the priors.
 */
function networkText(): string {
  const hidden = onCepstra(contrastLayer());
  const scores = scoreLayer();
  // Equal priors: dividing the posteriors by them changes every score by the same amount.
  const priors = new Array<number>(PDF_COUNT).fill(1 / PDF_COUNT);
  return [
    // Kaldi writes a token then a space; Nnet::Read takes that space, then expects the line to end.
    "<Nnet3> ",
    `input-node name=input dim=${MFCC.melBins}`,
    "component-node name=contrasts component=contrasts input=input",
    "component-node name=rectified component=rectified input=contrasts",
    "component-node name=scores component=scores input=rectified",
    "component-node name=log-posteriors component=log-posteriors input=scores",
    "output-node name=output input=log-posteriors objective=linear",
    "",
    "<NumComponents> 4",
    affineText("contrasts", hidden),
    nonlinearText("rectified", "RectifiedLinearComponent", hidden.bias.length),
    affineText("scores", scores),
    nonlinearText("log-posteriors", "LogSoftmaxComponent", PDF_COUNT),
    "</Nnet3>",
    `<LeftContext> 0 <RightContext> 0 <Priors>${vector(priors)}`,
  ].join("\n");
}

/** am/final.mdl in Kaldi's text format. */
export function finalMdl(): string {
  return `${transitionModelText()}\n${networkText()}\n`;
}
