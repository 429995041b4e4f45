/**
 * The fixture's decoding graphs, written as text FSTs and compiled with OpenFst, laid out as Vosk reads
 * them (vosk-api src/model.cc): either a static graph/HCLG.fst, or the lookahead pair graph/HCLr.fst
 * (lexicon and HMMs) and graph/Gr.fst (the language model) that libvosk composes at run time, and that its
 * grammar mode composes with a language model built from the phrase list instead of Gr.fst.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { transitionIds } from "./acoustic-model.js";
import { openfst } from "./openfst.js";
import { PHONES, type Phone, pronunciation, SILENCE_PHONE, WORDS } from "./phonetics.js";

/** Which graph a model folder holds; libvosk loads HCLG.fst whenever it exists, so never both. */
export type GraphKind = "lookahead" | "static";
export const GRAPH_KINDS: readonly GraphKind[] = ["lookahead", "static"];

/** The cost of each HMM transition, self-loop or forward: both have probability 0.5. */
const TRANSITION_COST = Math.log(2);

const phoneByName = new Map(PHONES.map((phone) => [phone.name, phone]));

function phoneNamed(name: string): Phone {
  const phone = phoneByName.get(name);
  if (!phone) throw new Error(`the fixture has no phone ${name}`);
  return phone;
}

/** A text FST in AT&T format, with numeric labels. */
class TextFst {
  private readonly lines: string[] = [];
  private states = 1;

  newState(): number {
    return this.states++;
  }

  arc(from: number, to: number, input: number, output: number, cost = 0): void {
    this.lines.push(`${from}\t${to}\t${input}\t${output}\t${cost}`);
  }

  final(state: number, cost = 0): void {
    this.lines.push(`${state}\t${cost}`);
  }

  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

/**
 * H∘C∘L with self-loops, as Kaldi's mkgraph makes it: transition-ids in, words out, a loop over the words
 * with optional silence between them. Context-independent one-state phones make C the identity and H one
 * forward transition then self-loops per phone (Kaldi's --reorder=true order, which WordAlignLattice
 * expects). The word comes out on its first transition, so lookahead composition learns it early.
 * Position-dependent phones keep the lexicon prefix-free, so no disambiguation symbols are needed.
 */
export function lexiconFst(wordIds: ReadonlyMap<string, number>): string {
  const fst = new TextFst();
  const loop = 0;
  fst.final(loop);
  const path = (phones: readonly Phone[], word: number) => {
    let state = loop;
    phones.forEach((phone, index) => {
      const { selfLoop, forward } = transitionIds(phone.id);
      const next = fst.newState();
      fst.arc(state, next, forward, index === 0 ? word : 0, TRANSITION_COST);
      fst.arc(next, next, selfLoop, 0, TRANSITION_COST);
      state = next;
    });
    fst.arc(state, loop, 0, 0);
  };
  path([phoneNamed(SILENCE_PHONE)], 0);
  for (const word of WORDS) path(pronunciation(word).map(phoneNamed), wordId(wordIds, word));
  return fst.toString();
}

/** The open-vocabulary language model: any word, any number of times, each equally likely. */
export function openGrammarFst(wordIds: ReadonlyMap<string, number>): string {
  const fst = new TextFst();
  const cost = Math.log(WORDS.length);
  for (const word of WORDS) {
    const id = wordId(wordIds, word);
    fst.arc(0, 0, id, id, cost);
  }
  fst.final(0);
  return fst.toString();
}

function wordId(wordIds: ReadonlyMap<string, number>, word: string): number {
  const id = wordIds.get(word);
  if (id === undefined) throw new Error(`no id for the word ${word}`);
  return id;
}

/** Kaldi's symbol-table text: one "symbol id" a line. */
export function symbolTable(entries: Iterable<readonly [string, number]>): string {
  return [...entries].map(([symbol, id]) => `${symbol} ${id}\n`).join("");
}

/** words.txt before any relabelling: <eps> 0, then the words in order. */
export function initialWordIds(): Map<string, number> {
  return new Map(WORDS.map((word, index) => [word, index + 1]));
}

/** phones.txt and phones/word_boundary.int. */
export function phoneTables(): { phones: string; wordBoundary: string } {
  return {
    phones: symbolTable([["<eps>", 0], ...PHONES.map((phone) => [phone.name, phone.id] as const)]),
    wordBoundary: PHONES.map((phone) => `${phone.id} ${phone.boundary}\n`).join(""),
  };
}

/**
 * Compiles the graph into graphFolder, using workFolder for the intermediate files. The static graph is
 * HCL∘G in OpenFst's const type. The lookahead graph is HCL converted to the olabel_lookahead type, which
 * relabels the words for fast lookahead; Gr.fst and words.txt are then written with the new ids, since
 * libvosk builds grammar-mode language models from words.txt's ids.
 */
export function compileGraph(kind: GraphKind, graphFolder: string, workFolder: string): void {
  const work = (name: string) => join(workFolder, name);
  const compile = (name: string, text: string, sort: "ilabel" | "olabel") => {
    writeFileSync(work(`${name}.txt`), text);
    openfst("fstcompile", [work(`${name}.txt`), work(`${name}.compiled.fst`)]);
    // The epsilon arcs back to the loop state, removed: every epsilon the decoder crosses becomes a lattice
    // arc, and on long silences the lattice determinizer then spends a second per utterance on them.
    openfst("fstrmepsilon", [work(`${name}.compiled.fst`), work(`${name}.plain.fst`)]);
    openfst("fstarcsort", [`--sort_type=${sort}`, work(`${name}.plain.fst`), work(`${name}.fst`)]);
    return work(`${name}.fst`);
  };
  let wordIds = initialWordIds();
  const lexicon = compile("HCL", lexiconFst(wordIds), "olabel");
  if (kind === "static") {
    const grammar = compile("G", openGrammarFst(wordIds), "ilabel");
    openfst("fstcompose", [lexicon, grammar, work("HCLG.vector.fst")]);
    openfst("fstconvert", ["--fst_type=const", work("HCLG.vector.fst"), join(graphFolder, "HCLG.fst")]);
  } else {
    const relabelFile = work("relabel");
    openfst("fstconvert", [
      "--fst_type=olabel_lookahead",
      `--save_relabel_opairs=${relabelFile}`,
      lexicon,
      join(graphFolder, "HCLr.fst"),
    ]);
    wordIds = relabelled(wordIds, readFileSync(relabelFile, "utf8"));
    const grammar = compile("Gr", openGrammarFst(wordIds), "ilabel");
    openfst("fstconvert", ["--fst_type=const", grammar, join(graphFolder, "Gr.fst")]);
    // The transition-ids of disambiguation symbols, removed from HCLr's input while composing: none here.
    writeFileSync(join(graphFolder, "disambig_tid.int"), "");
  }
  writeFileSync(join(graphFolder, "words.txt"), symbolTable([["<eps>", 0], ...wordIds]));
}

/** The word ids after OpenFst's lookahead relabelling ("old new" pairs, one a line). */
function relabelled(wordIds: ReadonlyMap<string, number>, pairs: string): Map<string, number> {
  const map = new Map<number, number>();
  for (const line of pairs.split("\n")) {
    const [from, to] = line.trim().split(/\s+/).map(Number);
    if (from !== undefined && to !== undefined && !Number.isNaN(from) && !Number.isNaN(to)) map.set(from, to);
  }
  const result = new Map([...wordIds].map(([word, id]) => [word, map.get(id) ?? id]));
  if (new Set(result.values()).size !== result.size) {
    throw new Error(`OpenFst's lookahead relabelling gave two words one id: ${pairs}`);
  }
  return result;
}
