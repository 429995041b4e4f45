/**
 * Load test of the skill's web service on loopback with autocannon: a fixed, bounded run per mode
 * (verification off; signature + timestamp checks on, with the certificate chain cached) against a server
 * in its own process. Prints requests/s and latency; asserts nothing.
 *
 *   npm run bench:server [-- --seconds 10 --connections 20]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { envelopeFor, newSessionContext } from "../local-runner/envelope.js";
import { alexaHeaders, createTestAlexa } from "../test/support/alexa-signing.js";

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? Math.min(value, 60) : fallback;
};
const seconds = argument("seconds", 10);
const connections = argument("connections", 20);

const alexa = createTestAlexa();
const folder = mkdtempSync(join(tmpdir(), "her-faq-bench-"));
const chainFile = join(folder, "chain.pem");
const rootFile = join(folder, "root.pem");
writeFileSync(chainFile, alexa.chains.good);
writeFileSync(rootFile, alexa.trustedRoots[0]?.toString() ?? "");

async function startTarget(mode: "off" | "on"): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "server-target.ts"), mode, chainFile, rootFile],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}`)));
  });
  return { url, child };
}

async function measure(mode: "off" | "on"): Promise<void> {
  const { url, child } = await startTarget(mode);
  // A fresh timestamp: the run is far shorter than Alexa's 150 s tolerance.
  const body = JSON.stringify(
    envelopeFor(
      { kind: "intent", intent: "RuntimeIntent", slots: {}, match: "exact", confidence: 1 },
      newSessionContext("en-US"),
    ),
  );
  const headers =
    mode === "on" ? alexaHeaders(body, alexa.signingKey) : { "content-type": "application/json" };
  const result = await autocannon({
    url: `${url}/`,
    method: "POST",
    body,
    headers,
    connections,
    duration: seconds,
  });
  child.kill("SIGTERM");
  const label = mode === "off" ? "verification off" : "signature + timestamp on (cached certificate)";
  console.log(
    `${label.padEnd(46)} ${Math.round(result.requests.average).toString().padStart(6)} req/s   ` +
      `latency p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  max ${result.latency.max} ms   ` +
      `non-2xx ${result.non2xx}  errors ${result.errors}`,
  );
}

console.log(
  `autocannon, ${connections} connections, ${seconds} s per mode, POST / with an IntentRequest, loopback\n`,
);
await measure("off");
await measure("on");
