/**
 * `her-faq test` by voice, run as a user runs it (the built CLI): a run per voice, labelled, with what the
 * recognizer heard beside each step; noise mixed in; JUnit XML for CI; and the option mistakes it refuses.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_POCKETSPHINX_MODEL } from "../local-runner/recognizers/pocketsphinx.js";
import { repoRoot } from "./paths.js";
import { herFaq } from "./support/cli.js";

function missingSpeechStack(): string | undefined {
  for (const tool of ["text2wave", "espeak-ng", "flite"]) {
    if (spawnSync(tool, ["--version"]).error) return `${tool} is not installed (see .ci/run)`;
  }
  if (!existsSync(join(DEFAULT_POCKETSPHINX_MODEL, "en-us")))
    return "PocketSphinx is not installed (see .ci/run)";
  return undefined;
}
const missing = missingSpeechStack();
if (missing && process.env.CI) throw new Error(`CI tests her-faq test --voice, but ${missing}`);
const withSpeech = missing ? describe.skip : describe;

const folder = mkdtempSync(join(tmpdir(), "her-faq-voice-test-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const script = (name: string, source: string) => {
  const file = join(folder, name);
  writeFileSync(file, source);
  return file;
};
/** Words every test voice here speaks clearly enough for PocketSphinx. */
const runtime = script(
  "runtime.yaml",
  `name: runtime by voice
tests:
  - name: how long
    steps:
      - launch: true
      - say: how long is her
        speech: 126 minutes
`,
);
/** Fails whatever is heard, with a name that XML must escape. */
const wrong = script(
  "wrong.yaml",
  `name: wrong <on> purpose
tests:
  - name: music & "lyrics"
    steps:
      - say: who did the music
        speech: 127 minutes
`,
);

/** Refused by the loader: the model has no such intent. */
const broken = script("broken.yaml", "tests: [ { name: x, steps: [ { send: NoSuchIntent } ] } ]\n");

/** The arguments with the runtime script in place of "SCRIPT", which keeps the tests' names short. */
const withScript = (args: readonly string[]) => args.map((arg) => (arg === "SCRIPT" ? runtime : arg));

/** The tests of a JUnit document, each with its suite's name. */
function junitCases(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    isArray: (name) => ["testsuite", "testcase", "property"].includes(name),
  });
  interface TestCase {
    name: string;
    failure?: { message: string; "#text": string };
    error?: { message: string };
    "system-out"?: string;
  }
  const document = parser.parse(xml) as {
    testsuites: { testsuite: { name: string; testcase: TestCase[] }[] };
  };
  return document.testsuites.testsuite.flatMap((suite) =>
    suite.testcase.map((testcase) => ({ suite: suite.name, ...testcase })),
  );
}

describe("her-faq test options", () => {
  it("is built (npm test builds before running vitest)", () => {
    expect(existsSync(join(repoRoot, "dist", "cli.js")), "dist/cli.js is missing: run npm run build").toBe(
      true,
    );
  });

  it.each([
    [
      ["--snr", "5", "--voice", "SCRIPT"],
      /--snr sets the level of the noise: give --noise pink, white or babble/,
    ],
    [["--noise", "babble", "SCRIPT"], /--noise is mixed into spoken utterances: give --voice with it/],
    [["--noise", "white", "--snr", "0", "SCRIPT"], /--noise is mixed into spoken utterances: give --voice/],
    [
      ["--voice", "espeak:-w", "SCRIPT"],
      /"espeak:-w" is not a voice: give festival:NAME, espeak:NAME or flite:NAME/,
    ],
    [["--voice", "say:alex", "SCRIPT"], /"say:alex" is not a voice/],
    [["--voice"], /give at least one dialog script/],
  ])("refuses %j with a clear message and exit code 2", async (args, message) => {
    const { stderr, stdout, code } = await herFaq(["test", ...withScript(args)]);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^her-faq: ${message.source}`));
    expect(stdout).toBe("");
  });

  it.each([
    [
      ["--noise", "loud", "--voice", "SCRIPT"],
      /argument 'loud' is invalid. Allowed choices are pink, white, babble/,
    ],
    [
      ["--noise", "pink", "--snr", "ten", "--voice", "SCRIPT"],
      /give the signal-to-noise ratio in dB, e.g. 10/,
    ],
    [["--reporter", "tap", "SCRIPT"], /Allowed choices are text, junit/],
  ])("refuses %j as a bad option value", async (args, message) => {
    const { stderr, code } = await herFaq(["test", ...withScript(args)]);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });

  it("writes JUnit XML with the failing step, escaped, a script that does not load as an error, and exits 1", async () => {
    const { stdout, code } = await herFaq(["test", "--reporter", "junit", runtime, wrong, broken]);
    expect(code).toBe(1);
    const cases = junitCases(stdout);
    expect(cases.map(({ suite, name }) => [suite, name])).toEqual([
      ["runtime by voice", "how long"],
      ["wrong <on> purpose", 'music & "lyrics"'],
      [broken, "load the script"],
    ]);
    expect(cases[0]?.failure).toBeUndefined();
    expect(cases[1]?.failure?.message).toMatch(
      /^step 1 \("who did the music"\): expected speech to match 127 minutes; it said ".*Owen Pallett/,
    );
    expect(cases[2]?.error?.message).toMatch(/unknown intent "NoSuchIntent" in send/);
  });
});

withSpeech(`her-faq test --voice${missing ? ` (skipped: ${missing})` : ""}`, () => {
  it("runs the script once per voice, each run labelled, with what each step was heard as", async () => {
    const { stdout, stderr, code } = await herFaq([
      "test",
      "--voice",
      "flite:awb",
      "--voice",
      "festival:kal_diphone",
      runtime,
    ]);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toMatch(
      /^✓ runtime by voice › how long \[flite:awb\]\n {4}step 2 "how long is her" heard "how long is her"\n/m,
    );
    expect(stdout).toMatch(
      /^✓ runtime by voice › how long \[festival:kal_diphone\]\n {4}step 2 "how long is her" heard "how long is her"\n/m,
    );
    expect(stdout).toMatch(
      /^flite:awb: 1 passed, 0 failed\nfestival:kal_diphone: 1 passed, 0 failed\n2 passed, 0 failed\n$/m,
    );
  }, 120_000);

  it("speaks in festival's SLT voice for a bare --voice, as before", async () => {
    const { stdout, code } = await herFaq(["test", "--voice", runtime]);
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/✓ runtime by voice › how long \[festival:cmu_us_slt_arctic_hts\]/);
  }, 120_000);

  it("mixes the chosen noise in: understood through mild babble, not through white noise far louder than the voice", async () => {
    const babble = await herFaq([
      "test",
      "--voice",
      "flite:slt",
      "--noise",
      "babble",
      "--snr",
      "20",
      runtime,
    ]);
    expect(babble.code, babble.stdout).toBe(0);
    expect(babble.stdout).toMatch(/✓ runtime by voice › how long \[flite:slt, babble noise at 20 dB\]/);

    const drowned = await herFaq([
      "test",
      "--voice",
      "flite:slt",
      "--noise",
      "white",
      "--snr",
      "-20",
      runtime,
    ]);
    expect(drowned.code).toBe(1);
    expect(drowned.stdout).toMatch(/✗ runtime by voice › how long \[flite:slt, white noise at -20 dB\]/);
    expect(drowned.stdout).not.toMatch(/heard "how long is her"/);
  }, 120_000);

  it("writes JUnit XML per script and voice, with the failure and the transcripts", async () => {
    const { stdout, code } = await herFaq([
      "test",
      "--voice",
      "flite:awb",
      "--voice",
      "festival:kal_diphone",
      "--reporter",
      "junit",
      runtime,
      wrong,
    ]);
    expect(code).toBe(1);
    const cases = junitCases(stdout);
    expect(cases.map(({ suite }) => suite)).toEqual([
      "runtime by voice [flite:awb]",
      "wrong <on> purpose [flite:awb]",
      "runtime by voice [festival:kal_diphone]",
      "wrong <on> purpose [festival:kal_diphone]",
    ]);
    for (const testcase of cases) {
      if (testcase.suite.startsWith("runtime")) {
        expect(testcase.failure).toBeUndefined();
        expect(testcase["system-out"]).toBe('step 2 "how long is her" heard "how long is her"');
      } else {
        expect(testcase.failure?.["#text"]).toMatch(
          /step 1 \("who did the music"\): expected speech to match 127/,
        );
        expect(testcase["system-out"]).toMatch(/^step 1 "who did the music" heard /);
      }
    }
  }, 120_000);

  it("refuses a flite voice flite does not have before running anything", async () => {
    const { stderr, code } = await herFaq(["test", "--voice", "flite:nosuch", runtime]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^her-faq: cannot test by voice: flite has no voice "nosuch"; it has: .*slt/);
  });
});
