/**
 * `npm run fixture:vosk -- DIR [--graph lookahead|static]`: writes the fixture Vosk model to DIR (or
 * leaves it, when DIR already holds the same build) and says how long it took.
 */
import { parseArgs } from "node:util";
import { buildVoskFixture, FixtureError } from "./fixture.js";
import { GRAPH_KINDS, type GraphKind } from "./graph.js";
import { OpenFstUnavailable } from "./openfst.js";

const USAGE = `usage: npm run fixture:vosk -- DIR [--graph ${GRAPH_KINDS.join("|")}]`;

function main(): number {
  let values: { graph?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      options: { graph: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    }));
  } catch (error) {
    process.stderr.write(`fixture:vosk: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [folder, ...extra] = positionals;
  const graph = values.graph ?? "lookahead";
  if (!folder || extra.length > 0 || !GRAPH_KINDS.includes(graph as GraphKind)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const started = performance.now();
  try {
    const result = buildVoskFixture(folder, { graph: graph as GraphKind });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    process.stdout.write(
      result.built
        ? `fixture Vosk model (${result.graph} graph) written to ${result.folder} in ${seconds} s\n`
        : `${result.folder} already holds this fixture model (${result.graph} graph); nothing to do\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof FixtureError || error instanceof OpenFstUnavailable) {
      process.stderr.write(`fixture:vosk: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main();
