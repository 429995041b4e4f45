/**
 * `her-faq test <scripts>`: runs dialog scripts by text, or spoken in each chosen voice (with noise mixed in
 * when asked) and recognized, and reports every test's result and failure as text or as JUnit XML.
 */

import { interactionModelFor } from "../../interaction-model/index.js";
import { type NoiseKind, withNoise } from "../audio/noise.js";
import { DialogScriptError, loadDialogScript } from "../dialog-script/load.js";
import { runDialogTest, type StepFailure, type TestResult, type Utter } from "../dialog-script/run.js";
import type { DialogScript } from "../dialog-script/schema.js";
import { createRecognizer } from "../recognizers/select.js";
import { type Recognizer, RecognizerUnavailable, transcribe } from "../recognizers/types.js";
import type { Runtime } from "../runtime.js";
import { SynthesisError, type SynthVoice, synthesize } from "../speech-out/synthesize.js";
import { UserError } from "../user-error.js";
import { answerTranscript } from "../voice.js";

export type Reporter = "text" | "junit";

/** The level noise is mixed at when only --noise is given: the voice benchmark's middle level. */
const DEFAULT_SNR_DB = 10;

export interface TestOptions {
  /** Speak each utterance in each of these voices and recognize it, instead of sending the text. */
  readonly voices?: readonly SynthVoice[];
  /** Noise mixed into the spoken utterances. */
  readonly noise?: NoiseKind;
  /** The noise's signal-to-noise ratio in dB; DEFAULT_SNR_DB when not given. */
  readonly snr?: number;
  /** How results are printed: "text" (the default) or "junit" (XML, for CI). */
  readonly reporter?: Reporter;
}

/** One pass over the scripts: by text, or spoken by one voice. */
interface Pass {
  readonly voice?: SynthVoice;
  readonly noise?: { readonly kind: NoiseKind; readonly snrDb: number };
}

/** One script's results in one pass: a test suite, in JUnit's words. */
interface Suite {
  readonly file: string;
  readonly name: string;
  readonly pass: Pass;
  readonly results: readonly TestResult[];
  /** Why the script could not run at all (it did not load). */
  readonly error?: string;
}

export async function testScripts(
  runtime: Runtime,
  files: readonly string[],
  options: TestOptions = {},
): Promise<number> {
  const passes = passesFor(options);
  for (const { voice } of passes) if (voice) checkVoice(voice);
  const scripts = files.map((file) => loadScript(runtime, file));
  const reporter = options.reporter === "junit" ? junitReporter() : textReporter(passes);
  for (const [index, pass] of passes.entries()) {
    // A recognizer of its own for each voice: PocketSphinx adapts to the speaker from one utterance to the
    // next, so one voice's results would otherwise depend on the voice that spoke before it.
    const recognizer = pass.voice ? openRecognizer(runtime) : undefined;
    try {
      for (const loaded of scripts) {
        if ("error" in loaded) {
          if (index === 0) reporter.suite({ ...loaded, name: loaded.file, pass: {}, results: [] });
          continue;
        }
        reporter.suite(await runSuite(runtime, loaded, pass, recognizer));
      }
    } finally {
      recognizer?.close();
    }
  }
  return reporter.end();
}

/** The passes the options ask for, or a UserError saying which option is missing. */
function passesFor({ voices = [], noise, snr }: TestOptions): Pass[] {
  if (snr !== undefined && noise === undefined) {
    throw new UserError("--snr sets the level of the noise: give --noise pink, white or babble with it");
  }
  if (noise !== undefined && voices.length === 0) {
    throw new UserError(
      "--noise is mixed into spoken utterances: give --voice with it, e.g. her-faq test --voice --noise babble FILE",
    );
  }
  if (voices.length === 0) return [{}];
  const mixed = noise === undefined ? undefined : { kind: noise, snrDb: snr ?? DEFAULT_SNR_DB };
  return [...new Set(voices)].map((voice) => ({ voice, noise: mixed }));
}

/** A voice that cannot speak is refused before anything runs, not reported as every step failing. */
function checkVoice(voice: SynthVoice): void {
  try {
    synthesize("hello", voice);
  } catch (error) {
    if (error instanceof SynthesisError) throw new UserError(`cannot test by voice: ${error.message}`);
    throw error;
  }
}

function openRecognizer(runtime: Runtime): Recognizer {
  try {
    return createRecognizer(interactionModelFor(runtime.locale));
  } catch (error) {
    if (error instanceof RecognizerUnavailable)
      throw new UserError(`cannot test by voice: ${error.message}`, 1);
    throw error;
  }
}

type LoadedScript =
  | { readonly file: string; readonly script: DialogScript }
  | { readonly file: string; readonly error: string };

function loadScript(runtime: Runtime, file: string): LoadedScript {
  try {
    return { file, script: loadDialogScript(file, runtime.resolver.intents) };
  } catch (error) {
    if (!(error instanceof DialogScriptError)) throw error;
    return { file, error: error.message };
  }
}

async function runSuite(
  runtime: Runtime,
  { file, script }: { readonly file: string; readonly script: DialogScript },
  pass: Pass,
  recognizer: Recognizer | undefined,
): Promise<Suite> {
  const utter = pass.voice && recognizer ? spokenUtter(pass.voice, pass.noise, recognizer) : undefined;
  const results: TestResult[] = [];
  for (const test of script.tests) {
    results.push(await runDialogTest(script, test, { skill: runtime.skill, utter }));
  }
  return { file, name: script.name, pass, results };
}

/** Each utterance synthesized, noise mixed in, recognized, and the transcript answered. */
function spokenUtter(voice: SynthVoice, noise: Pass["noise"], recognizer: Recognizer): Utter {
  return async (conversation, utterance) => {
    const clean = synthesize(utterance, voice);
    // Seeded by what is said, so a rerun hears the same noise and a failure can be reproduced.
    const audio = noise ? withNoise(clean, noise.kind, noise.snrDb, seedOf(`${voice}\n${utterance}`)) : clean;
    return answerTranscript(conversation, await transcribe(recognizer, audio));
  };
}

/** FNV-1a: a stable 32-bit number for a string. */
function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** "flite:slt, babble noise at 10 dB"; "" for the text pass. */
function labelOf({ voice, noise }: Pass): string {
  if (!voice) return "";
  return noise ? `${voice}, ${noise.kind} noise at ${noise.snrDb} dB` : voice;
}

interface ReportWriter {
  suite(suite: Suite): void;
  /** Writes what is left to write; the exit code: 0 when every test passed, 1 otherwise. */
  end(): number;
}

const passed = (result: TestResult) => result.failures.length === 0;

/** What each step heard (when spoken) and what failed in it, in the order the steps were taken. */
function stepLines(result: TestResult, spoken: boolean): string[] {
  const describe = (failure: StepFailure) => `step ${failure.step} (${failure.request}): ${failure.message}`;
  const lines: string[] = [];
  for (const step of result.steps) {
    if (spoken && step.heard !== undefined) {
      lines.push(`step ${step.step} ${step.request} heard ${quoted(step.heard)}`);
    }
    lines.push(...result.failures.filter((failure) => failure.step === step.step).map(describe));
  }
  // The step the skill failed on is not among the steps taken.
  const taken = new Set(result.steps.map((step) => step.step));
  lines.push(...result.failures.filter((failure) => !taken.has(failure.step)).map(describe));
  return lines;
}

const quoted = (heard: string) => (heard === "" ? "nothing" : `"${heard}"`);

/** Text: a line per test with its steps beneath, then the counts (per voice too, for several). */
function textReporter(passes: readonly Pass[]): ReportWriter {
  const counts = new Map<string, { passed: number; failed: number }>();
  const count = (label: string, ok: boolean) => {
    const entry = counts.get(label) ?? { passed: 0, failed: 0 };
    if (ok) entry.passed++;
    else entry.failed++;
    counts.set(label, entry);
  };
  const write = (line: string) => process.stdout.write(`${line}\n`);
  return {
    suite(suite) {
      if (suite.error !== undefined) {
        write(`✗ ${suite.error}`);
        count("", false);
        return;
      }
      const label = labelOf(suite.pass);
      for (const result of suite.results) {
        count(label, passed(result));
        write(`${passed(result) ? "✓" : "✗"} ${result.script} › ${result.test}${label ? ` [${label}]` : ""}`);
        for (const line of stepLines(result, suite.pass.voice !== undefined)) write(`    ${line}`);
      }
    },
    end() {
      const total = { passed: 0, failed: 0 };
      for (const entry of counts.values()) {
        total.passed += entry.passed;
        total.failed += entry.failed;
      }
      write("");
      if (passes.length > 1) {
        for (const pass of passes) {
          const entry = counts.get(labelOf(pass)) ?? { passed: 0, failed: 0 };
          write(`${labelOf(pass)}: ${entry.passed} passed, ${entry.failed} failed`);
        }
      }
      write(`${total.passed} passed, ${total.failed} failed`);
      return total.failed === 0 ? 0 : 1;
    },
  };
}

/**
 * JUnit XML, as CI servers read it: a testsuite per script and voice, a testcase per test, a failure holding
 * the failed steps, and what each spoken step was heard as in system-out. Written once all have run.
 */
function junitReporter(): ReportWriter {
  const suites: Suite[] = [];
  return {
    suite: (suite) => suites.push(suite),
    end() {
      process.stdout.write(junitXml(suites));
      const failed = suites.some((suite) => suite.error !== undefined || !suite.results.every(passed));
      return failed ? 1 : 0;
    },
  };
}

function junitXml(suites: readonly Suite[]): string {
  const seconds = (value: number) => value.toFixed(3);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const tests = suites.reduce(
    (sum, suite) => sum + (suite.error !== undefined ? 1 : suite.results.length),
    0,
  );
  const failures = suites.reduce((sum, suite) => sum + suite.results.filter((r) => !passed(r)).length, 0);
  const errors = suites.filter((suite) => suite.error !== undefined).length;
  const time = suites.reduce((sum, suite) => sum + suite.results.reduce((s, r) => s + r.seconds, 0), 0);
  lines.push(
    `<testsuites name="her-faq test" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(time)}">`,
  );
  for (const suite of suites) {
    const label = labelOf(suite.pass);
    const name = label ? `${suite.name} [${label}]` : suite.name;
    if (suite.error !== undefined) {
      lines.push(
        `  <testsuite name=${attr(name)} tests="1" failures="0" errors="1" skipped="0" time="0.000">`,
        `    <testcase name="load the script" classname=${attr(name)} time="0.000">`,
        `      <error message=${attr(suite.error)} type="DialogScriptError">${text(suite.error)}</error>`,
        "    </testcase>",
        "  </testsuite>",
      );
      continue;
    }
    const failed = suite.results.filter((result) => !passed(result)).length;
    const suiteTime = suite.results.reduce((sum, result) => sum + result.seconds, 0);
    lines.push(
      `  <testsuite name=${attr(name)} tests="${suite.results.length}" failures="${failed}" errors="0" skipped="0" time="${seconds(suiteTime)}">`,
      "    <properties>",
      `      <property name="file" value=${attr(suite.file)}/>`,
    );
    if (suite.pass.voice) lines.push(`      <property name="voice" value=${attr(suite.pass.voice)}/>`);
    if (suite.pass.noise) {
      lines.push(
        `      <property name="noise" value=${attr(suite.pass.noise.kind)}/>`,
        `      <property name="snr" value="${suite.pass.noise.snrDb}"/>`,
      );
    }
    lines.push("    </properties>");
    for (const result of suite.results) {
      lines.push(
        `    <testcase name=${attr(result.test)} classname=${attr(name)} time="${seconds(result.seconds)}">`,
      );
      if (!passed(result)) {
        const messages = stepLines({ ...result, steps: [] }, false);
        lines.push(
          `      <failure message=${attr(messages[0] ?? "")} type="DialogExpectation">${text(messages.join("\n"))}</failure>`,
        );
      }
      if (suite.pass.voice) {
        const heard = stepLines({ ...result, failures: [] }, true);
        if (heard.length > 0) lines.push(`      <system-out>${text(heard.join("\n"))}</system-out>`);
      }
      lines.push("    </testcase>");
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>", "");
  return lines.join("\n");
}

/** Characters XML 1.0 cannot hold at all, even escaped (control characters, lone surrogates). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text content: markup characters escaped, characters XML cannot hold dropped. */
function text(value: string): string {
  return value.replace(NOT_XML, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A quoted attribute value; line breaks kept as character references, which attribute parsing would fold. */
function attr(value: string): string {
  const escaped = text(value)
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
  return `"${escaped}"`;
}
