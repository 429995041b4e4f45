/**
 * Text front door benchmark: warm resolver latency and throughput (resolve only, and resolve + skill), and
 * the cold time of `her-faq ask` as a whole process. Prints figures; asserts nothing.
 *
 *   npm run bench:text            (npm run build first, for the cold-process figures)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readEvalFile } from "../local-runner/eval.js";
import { createRuntime } from "../local-runner/runtime.js";
import { faq } from "../skill/faq/index.js";

const root = join(import.meta.dirname, "..");
const utterances = [
  ...readEvalFile(join(root, "test", "eval", "holdout.tsv")).map((row) => row.utterance),
  ...faq.map((entry) => entry.question),
  "how long is avatar",
  "x".repeat(400),
];

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
const ms = (value: number) => `${value.toFixed(3)} ms`;

function summarise(name: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((sum, value) => sum + value, 0);
  console.log(
    `${name.padEnd(26)} p50 ${ms(percentile(sorted, 50))}  p99 ${ms(percentile(sorted, 99))}  max ${ms(sorted.at(-1) ?? 0)}  ` +
      `throughput ${Math.round((1000 * samples.length) / total)} utterances/s`,
  );
}

const started = performance.now();
const runtime = createRuntime();
console.log(`start-up (skill + resolver index): ${ms(performance.now() - started)}`);
console.log(`workload: ${utterances.length} distinct utterances, 20 rounds each, after 3 warm-up rounds\n`);

for (let round = 0; round < 3; round++)
  for (const utterance of utterances) runtime.resolver.resolve(utterance);
const resolveTimes: number[] = [];
for (let round = 0; round < 20; round++) {
  for (const utterance of utterances) {
    const t0 = performance.now();
    runtime.resolver.resolve(utterance);
    resolveTimes.push(performance.now() - t0);
  }
}
summarise("resolve (warm)", resolveTimes);

const turnTimes: number[] = [];
for (let round = 0; round < 5; round++) {
  for (const utterance of utterances) {
    const t0 = performance.now();
    await runtime.conversation().say(utterance);
    turnTimes.push(performance.now() - t0);
  }
}
summarise("resolve + skill (warm)", turnTimes);

const cli = join(root, "bin", "her-faq.js");
if (!existsSync(join(root, "dist", "cli.js"))) {
  console.log("\ncold process: skipped, dist/cli.js is missing (run npm run build)");
} else {
  const times: number[] = [];
  for (let run = 0; run < 15; run++) {
    const t0 = performance.now();
    const result = spawnSync(process.execPath, [cli, "ask", "how long is her"], { encoding: "utf8" });
    times.push(performance.now() - t0);
    if (result.status !== 0) throw new Error(`her-faq ask failed: ${result.stderr}`);
  }
  const sorted = times.sort((a, b) => a - b);
  console.log(
    `\ncold \`her-faq ask\` process  median ${ms(percentile(sorted, 50))}  max ${ms(sorted.at(-1) ?? 0)}  (15 runs)`,
  );
  const nodeOnly = spawnTime(["-e", ""]);
  console.log(`  (a bare \`node -e ""\` takes ${ms(nodeOnly)} here)`);
}

function spawnTime(args: string[]): number {
  const times: number[] = [];
  for (let run = 0; run < 10; run++) {
    const t0 = performance.now();
    spawnSync(process.execPath, args);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[5] as number;
}
