/**
 * Runs every dialog script in test/dialogs against the real skill, one vitest test per dialog test, and
 * checks the script format itself: what the loader refuses, and that a wrong expectation is caught.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  DialogScriptError,
  loadDialogScript,
  parseDialogScript,
} from "../local-runner/dialog-script/load.js";
import { matches, runDialogTest, type StepFailure } from "../local-runner/dialog-script/run.js";
import { LocalResolver } from "../local-runner/resolver.js";
import { createLogger } from "../skill/logger.js";
import { buildSkill } from "../skill/skill.js";

const DIALOGS = fileURLToPath(new URL("./dialogs/", import.meta.url));
const files = readdirSync(DIALOGS)
  .filter((file) => file.endsWith(".yaml"))
  .sort();

const skill = buildSkill({ logger: createLogger("silent") });
/** Every locale's model declares the same intents; a script's own locale is known only once it is read. */
const knownIntents = LocalResolver.forLocale("en-US").intents;

function describeFailures(failures: readonly StepFailure[]): string {
  return failures
    .map((failure) => `step ${failure.step} (${failure.request}): ${failure.message}`)
    .join("\n");
}

it("finds the dialog scripts", () => {
  expect(files).toEqual(
    expect.arrayContaining(["built-ins.yaml", "conversations.yaml", "en-gb.yaml", "faq.yaml"]),
  );
});

for (const file of files) {
  const script = loadDialogScript(join(DIALOGS, file), knownIntents);
  describe(`${file} (${script.locale})`, () => {
    for (const test of script.tests) {
      it(test.name, async () => {
        const result = await runDialogTest(script, test, { skill });
        expect(result.failures, `\n${describeFailures(result.failures)}\n`).toEqual([]);
        expect(result.turns).toHaveLength(test.steps.length);
      });
    }
  });
}

describe("the dialog script format", () => {
  const parse = (source: string) => parseDialogScript(source, "inline.yaml", knownIntents);
  const refusal = (source: string): string => {
    try {
      parse(source);
    } catch (error) {
      expect(error).toBeInstanceOf(DialogScriptError);
      return (error as Error).message;
    }
    throw new Error("the script was accepted");
  };

  it("reads the compact form and the defaults", () => {
    const script = parse(`tests:
  - name: t
    steps:
      - "how long is her": 126 minutes
      - "help":
      - launch: true
`);
    expect(script.name).toBe("inline.yaml");
    expect(script.locale).toBe("en-US");
    expect(script.tests[0]?.steps).toEqual([
      { say: "how long is her", speech: "126 minutes" },
      { say: "help" },
      { launch: true },
    ]);
  });

  it("refuses malformed YAML, naming the file and the line", () => {
    const message = refusal(`tests:
  - name: t
    steps: [ { say: "hi" }
`);
    expect(message).toMatch(/^inline\.yaml: not valid YAML at line \d+/);
  });

  it("refuses an unknown step key", () => {
    const message = refusal(`tests:
  - name: t
    steps:
      - say: hi
      - say: how long is her
        speach: 126 minutes
`);
    expect(message).toContain('inline.yaml: test "t", step 2');
    expect(message).toContain("speach");
  });

  it("refuses a step with two actions", () => {
    const message = refusal(`tests:
  - name: t
    steps:
      - say: hi
        launch: true
`);
    expect(message).toContain('test "t", step 1');
    expect(message).toContain("each step needs exactly one of say, launch, send or end");
  });

  it("refuses a step with no action", () => {
    expect(refusal("tests: [{ name: t, steps: [{ speech: hello }] }]")).toContain("exactly one of say");
  });

  it("refuses slots without send", () => {
    expect(refusal("tests: [{ name: t, steps: [{ say: hi, slots: { query: x } }] }]")).toContain(
      "slots go with send",
    );
  });

  it("refuses an unknown intent in send, naming it and listing the known ones", () => {
    const message = refusal(`tests:
  - name: t
    steps:
      - send: MovieTriviaIntent
`);
    expect(message).toContain('unknown intent "MovieTriviaIntent" in send');
    expect(message).toContain("the model has:");
    for (const intent of ["AMAZON.HelpIntent", "QuestionIntent", "RuntimeIntent", "SettingIntent"]) {
      expect(message).toContain(intent);
    }
  });

  it("refuses an unknown intent in intent, naming it and listing the known ones", () => {
    const message = refusal(`tests:
  - name: t
    steps:
      - launch: true
      - say: how long is her
        intent: RunTimeIntent
`);
    expect(message).toContain('test "t", step 2');
    expect(message).toContain('unknown intent "RunTimeIntent" in intent');
    expect(message).toContain("RuntimeIntent");
  });

  it("accepts request types as an expected intent but not as one to send", () => {
    expect(() =>
      parse("tests: [{ name: t, steps: [{ launch: true, intent: LaunchRequest }] }]"),
    ).not.toThrow();
    expect(refusal("tests: [{ name: t, steps: [{ send: LaunchRequest }] }]")).toContain(
      'unknown intent "LaunchRequest" in send',
    );
  });

  it("refuses an invalid regular expression", () => {
    const message = refusal(`tests:
  - name: t
    steps:
      - say: how long is her
        notSpeech: "/(126 minutes/"
`);
    expect(message).toContain('test "t", step 1');
    expect(message).toContain("/(126 minutes/ is not a valid regular expression");
  });

  it("refuses an empty tests list", () => {
    expect(refusal("tests: []")).toContain("a script needs at least one test");
  });

  it("refuses a test without steps", () => {
    expect(refusal("tests: [{ name: t, steps: [] }]")).toContain("a test needs at least one step");
  });

  it("refuses an unknown locale", () => {
    expect(refusal("locale: fr-FR\ntests: [{ name: t, steps: [{ launch: true }] }]")).toContain("locale");
  });

  it("matches substrings case-insensitively and /regex/flags as regular expressions", () => {
    expect(matches("Her has a runtime of approximately 126 minutes.", "RUNTIME OF")).toBe(true);
    expect(matches("Her has a runtime", "/^her/")).toBe(false);
    expect(matches("Her has a runtime", "/^her/i")).toBe(true);
    expect(matches("", "/^$/")).toBe(true);
  });
});

describe("the dialog script runner", () => {
  it("reports every expectation the skill does not meet", async () => {
    const script = parseDialogScript(
      `tests:
  - name: wrong on purpose
    steps:
      - say: how long is her
        speech: [126 minutes, 127 minutes]
        notSpeech: Theodore
        reprompt: Would you like to know who stars in Her?
        card: Who stars in Her?
        intent: MusicIntent
        endSession: true
        session: { asked: [music], offered: null }
      - "who did the music": Owen Pallett
`,
      "wrong.yaml",
      knownIntents,
    );
    const test = script.tests[0];
    if (!test) throw new Error("no test parsed");
    const result = await runDialogTest(script, test, { skill });

    expect(result.turns).toHaveLength(2);
    expect(
      result.failures.every((failure) => failure.step === 1 && failure.request === '"how long is her"'),
    ).toBe(true);
    const messages = result.failures.map((failure) => failure.message);
    expect(messages).toEqual([
      expect.stringMatching(
        /^expected speech to match 127 minutes; it said "Her has a runtime of approximately 126/,
      ),
      expect.stringMatching(/^expected speech not to match Theodore;/),
      expect.stringMatching(
        /^expected reprompt to match Would you like to know who stars in Her\?; it was "Would/,
      ),
      'expected a card titled Who stars in Her?; got "How long is Her?"',
      "expected intent MusicIntent; it resolved to RuntimeIntent",
      "expected the session to end; it stayed open",
      'expected session asked = ["music"]; it is ["runtime"]',
      'expected session offered = null; it is "romance"',
    ]);
  });

  it("passes the same step once its expectations are right", async () => {
    const script = parseDialogScript(
      `tests:
  - name: right
    steps:
      - say: how long is her
        speech: 126 minutes
        notSpeech: Owen Pallett
        card: How long is Her?
        intent: RuntimeIntent
        endSession: false
        session: { asked: [runtime], offered: romance, somethingElse: null }
`,
      "right.yaml",
      knownIntents,
    );
    const test = script.tests[0];
    if (!test) throw new Error("no test parsed");
    const result = await runDialogTest(script, test, { skill });
    expect(result.failures).toEqual([]);
  });
});
