import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./paths.js";
import { cli, herFaq } from "./support/cli.js";

const run = promisify(execFile);

describe("the her-faq command", () => {
  it("is built (npm test builds before running vitest)", () => {
    expect(existsSync(join(repoRoot, "dist", "cli.js")), "dist/cli.js is missing: run npm run build").toBe(
      true,
    );
  });

  it("answers a question as plain spoken text", async () => {
    const { stdout, code } = await herFaq(["ask", "how long is her"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Her has a runtime of approximately 126 minutes\./);
    expect(stdout).not.toMatch(/<speak>|<break/);
  });

  it("prints one JSON line with the promised fields", async () => {
    const { stdout } = await herFaq(["ask", "--json", "who", "did", "the", "music"]);
    const line = JSON.parse(stdout);
    expect(Object.keys(line)).toEqual(["utterance", "intent", "slots", "speech", "reprompt", "endSession"]);
    expect(line).toMatchObject({
      utterance: "who did the music",
      intent: "MusicIntent",
      slots: {},
      endSession: false,
    });
    expect(line.speech).toContain("Owen Pallett");
  });

  it("reads questions from stdin, one fresh session and one JSON line each, bad lines reported in place", async () => {
    const input = [
      "what is her",
      "",
      "who directed jaws",
      "tell me where it was filmed",
      "exit",
      "x".repeat(600),
    ].join("\n");
    const { stdout, code } = await herFaq(["ask", "--json", "-"], input);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.intent ?? `error: ${line.error}`)).toEqual([
      "OverviewIntent",
      "error: the question is empty",
      "AMAZON.FallbackIntent",
      "QuestionIntent",
      "SessionEndedRequest",
      "error: the question is 600 characters long; the limit is 500",
    ]);
    expect(lines[3].slots).toEqual({ query: "where it was filmed" });
    expect(lines[4]).toMatchObject({ speech: "", endSession: true });
  });

  it("refuses an empty question or an unknown locale with a clear message and exit code 2", async () => {
    const empty = await herFaq(["ask", "  "]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(
      /the question is empty\. Ask a question, for example: npx her-faq ask "how long is her"/,
    );
    const locale = await herFaq(["--locale", "fr-FR", "ask", "hi"]);
    expect(locale.code).toBe(2);
    expect(locale.stderr).toMatch(/unknown locale "fr-FR"; choose one of en-US/);
  });

  it("suggests commands in the form that runs: bare where her-faq is on the user's PATH, through npx elsewhere", async () => {
    const bin = mkdtempSync(join(tmpdir(), "her-faq-bin-"));
    writeFileSync(join(bin, "her-faq"), "#!/bin/sh\n", { mode: 0o755 });
    const userShell = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("npm_")),
    );
    const installed = spawnSync(process.execPath, [cli, "ask", " "], {
      env: { ...userShell, PATH: `${bin}:${process.env.PATH}` },
      encoding: "utf8",
    });
    expect(installed.stderr).toMatch(/for example: her-faq ask "how long is her"/);
    const local = spawnSync(process.execPath, [cli, "ask", " "], { env: userShell, encoding: "utf8" });
    expect(local.stderr).toMatch(/for example: npx her-faq ask "how long is her"/);
  });

  it("holds a typed conversation that carries the session and ends on stop", async () => {
    const { stdout, code } = await herFaq(
      ["chat"],
      "yes\nwho composed the music\nrepeat\nstop\nwhat is her\n",
    );
    expect(code).toBe(0);
    const replies = stdout.split("guide: ").slice(1);
    expect(replies[0]).toMatch(/Would you like to hear what Her is about\?/);
    expect(replies[1]).toMatch(/science-fiction romantic drama/);
    expect(replies[2]).toMatch(/Owen Pallett/);
    expect(replies[3]).toBe(replies[2]);
    expect(replies[4]).toMatch(/Goodbye/);
    // The conversation is over after stop: the last line is never answered.
    expect(replies).toHaveLength(5);
  });

  it("plays the reprompt on silence, then closes the session", async () => {
    const { stdout, code } = await herFaq(["chat"], "\n\nwho did the music\n");
    expect(code).toBe(0);
    const replies = stdout.split("guide: ").slice(1);
    expect(replies[1]).toMatch(/Or say help to hear what I can tell you/);
    expect(replies).toHaveLength(2);
  });

  it("runs dialog scripts and exits 1 with the failing step when one fails", async () => {
    const folder = mkdtempSync(join(tmpdir(), "her-faq-"));
    const script = join(folder, "wrong.yaml");
    writeFileSync(
      script,
      'tests:\n  - name: wrong answer\n    steps:\n      - "how long is her": "ninety minutes"\n',
    );
    const { stdout, code } = await herFaq(["test", script]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/✗ wrong\.yaml › wrong answer/);
    expect(stdout).toMatch(/step 1 \("how long is her"\): expected speech to match ninety minutes/);
    expect(stdout).toMatch(/0 passed, 1 failed/);
  });

  it("reports a malformed script without crashing", async () => {
    const folder = mkdtempSync(join(tmpdir(), "her-faq-"));
    const script = join(folder, "broken.yaml");
    writeFileSync(script, "tests: [ { name: x, steps: [ { send: NoSuchIntent } ] } ]\n");
    const { stdout, code } = await herFaq(["test", script, join(folder, "missing.yaml")]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/unknown intent "NoSuchIntent" in send; the model has: .*AMAZON.HelpIntent/);
    expect(stdout).toMatch(/missing\.yaml: cannot read the script \(ENOENT\)/);
  });

  it("scores an eval file and prints accuracy, rejection and misses", async () => {
    const folder = mkdtempSync(join(tmpdir(), "her-faq-"));
    const file = join(folder, "mini.tsv");
    writeFileSync(
      file,
      "how long is her\t126 minutes\nwho directed jaws\t@fallback\nwhere was her filmed\t126 minutes\n",
    );
    const { stdout, code } = await herFaq(["eval", file, "--fail-under", "90"]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAQ accuracy: 1\/2 \(50\.0%\)/);
    expect(stdout).toMatch(/out-of-domain rejection rate: 1\/1 \(100\.0%\)/);
    expect(stdout).toMatch(
      /line 3: "where was her filmed" expected 126 minutes\n\s+-> FilmingLocationIntent/,
    );
  });

  it("explains an unknown command", async () => {
    await expect(run(process.execPath, [cli, "dance"])).rejects.toMatchObject({
      stderr: expect.stringMatching(/unknown command 'dance'/),
    });
  });
});
