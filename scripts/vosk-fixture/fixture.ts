/**
 * Builds the fixture Vosk model folder: a real model libvosk loads and decodes with (acoustic model,
 * configuration, graph) and the recordings to try it on. A folder already built by this same builder
 * with the same options is left as it is.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { finalMdl, mfccConf, modelConf } from "./acoustic-model.js";
import { compileGraph, type GraphKind, phoneTables } from "./graph.js";
import { expectedTsv, SAMPLES, synthesizeWords, wavBytes } from "./samples.js";

export interface FixtureOptions {
  /** "lookahead" (HCLr.fst + Gr.fst: grammar mode works) or "static" (HCLG.fst: open vocabulary only). */
  readonly graph?: GraphKind;
}

export interface FixtureResult {
  readonly folder: string;
  readonly graph: GraphKind;
  /** False when the folder already held this very model. */
  readonly built: boolean;
}

/** Written last, so a folder holding it is complete: what built the folder, as a hash. */
export const STAMP_FILE = "fixture-stamp.json";

export class FixtureError extends Error {
  override readonly name = "FixtureError";
}

const builderFolder = dirname(fileURLToPath(import.meta.url));

/** A hash of the builder's own source and the options: any change to either rebuilds. */
function stampFor(graph: GraphKind): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(builderFolder)
    .filter((name) => name.endsWith(".ts"))
    .sort()) {
    hash.update(file).update(readFileSync(join(builderFolder, file)));
  }
  hash.update(`graph=${graph}`);
  return JSON.stringify({ builder: "her-faq vosk fixture", graph, hash: hash.digest("hex") });
}

function readStamp(folder: string): string | undefined {
  try {
    return readFileSync(join(folder, STAMP_FILE), "utf8");
  } catch {
    return undefined;
  }
}

export function buildVoskFixture(target: string, options: FixtureOptions = {}): FixtureResult {
  const folder = resolve(target);
  const graph = options.graph ?? "lookahead";
  const stamp = stampFor(graph);
  const existing = readStamp(folder);
  if (existing === stamp) return { folder, graph, built: false };
  if (existing === undefined && existsSync(folder) && readdirSync(folder).length > 0) {
    throw new FixtureError(
      `${folder} already holds files that are not a fixture model; name a new or empty folder`,
    );
  }
  // Built beside the target and moved in whole, so an interrupted build never looks finished.
  const partial = join(dirname(folder), `.${basename(folder)}.partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  try {
    writeModel(partial, graph);
    writeFileSync(join(partial, STAMP_FILE), stamp);
    rmSync(folder, { recursive: true, force: true });
    renameSync(partial, folder);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return { folder, graph, built: true };
}

function writeModel(folder: string, graph: GraphKind): void {
  const at = (path: string) => {
    const file = join(folder, path);
    mkdirSync(dirname(file), { recursive: true });
    return file;
  };
  writeFileSync(at("am/final.mdl"), finalMdl());
  writeFileSync(at("conf/mfcc.conf"), mfccConf());
  writeFileSync(at("conf/model.conf"), modelConf());
  const { phones, wordBoundary } = phoneTables();
  writeFileSync(at("graph/phones.txt"), phones);
  writeFileSync(at("graph/phones/word_boundary.int"), wordBoundary);
  const work = join(folder, "work");
  mkdirSync(work);
  compileGraph(graph, join(folder, "graph"), work);
  rmSync(work, { recursive: true, force: true });
  for (const sample of SAMPLES)
    writeFileSync(at(`samples/${sample.file}`), wavBytes(synthesizeWords(sample.words)));
  writeFileSync(at("samples/expected.tsv"), expectedTsv());
}
