import { createRequire } from "node:module";
import { join } from "node:path";
import type { RequestEnvelope, ResponseEnvelope } from "ask-sdk-model";
import { describe, expect, it } from "vitest";
import { envelope, intentEnvelope } from "./helpers.js";
import { repoRoot } from "./paths.js";

type Handler = (event: RequestEnvelope, context?: unknown) => Promise<ResponseEnvelope>;

/** Loads the bundle as Lambda's Node.js runtime does: require() of dist/lambda/index.js, then `handler`. */
function loadLambda(): Handler {
  const require = createRequire(import.meta.url);
  // The bundle logs at info level, as it should on Lambda; the test output needs none of it.
  process.env.LOG_LEVEL = "silent";
  const bundle = join(repoRoot, "dist", "lambda", "index.js");
  try {
    return (require(bundle) as { handler: Handler }).handler;
  } catch (error) {
    throw new Error(`cannot load ${bundle} (run npm run build): ${(error as Error).message}`);
  }
}

describe("the Lambda bundle", () => {
  it("exports a handler that answers launch, a question and stop", async () => {
    const handler = loadLambda();
    expect(typeof handler).toBe("function");
    const launch = await handler(envelope({ kind: "launch" }));
    expect(JSON.stringify(launch.response.outputSpeech)).toMatch(/film Her/);
    const answer = await handler(intentEnvelope("ReleaseDateIntent"));
    expect(JSON.stringify(answer.response.outputSpeech)).toContain("December 18, 2013");
    const stop = await handler(intentEnvelope("AMAZON.StopIntent"));
    expect(stop.response.shouldEndSession).toBe(true);
  });
});
