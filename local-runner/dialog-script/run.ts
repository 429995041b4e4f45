/**
 * Runs dialog scripts against the skill through the local resolver, turn by turn in one conversation per
 * test, and reports each failed expectation with what the skill actually said.
 */
import type { Skill } from "ask-sdk-core";
import { Conversation, intentOf, type Turn } from "../conversation.js";
import { LocalResolver } from "../resolver.js";
import type { DialogScript, DialogTest, Step } from "./schema.js";

export interface StepFailure {
  readonly step: number;
  readonly request: string;
  readonly message: string;
}

/** A step as it was taken: for a `say` step, also the words the skill acted on. */
export interface StepRecord {
  readonly step: number;
  readonly request: string;
  /** On the voice path, what the recognizer heard ("" for nothing); on the text path, the text itself. */
  readonly heard?: string;
}

export interface TestResult {
  readonly script: string;
  readonly test: string;
  readonly failures: readonly StepFailure[];
  readonly turns: readonly Turn[];
  /** The steps taken, up to the one the skill failed on. */
  readonly steps: readonly StepRecord[];
  readonly seconds: number;
}

/** Something that turns a step into a Turn: the text path, or speech synthesis + recognition. */
export type Utter = (conversation: Conversation, utterance: string) => Promise<Turn>;

export interface RunOptions {
  readonly skill: Skill;
  readonly utter?: Utter;
}

export async function runDialogScript(script: DialogScript, options: RunOptions): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const test of script.tests) results.push(await runDialogTest(script, test, options));
  return results;
}

export async function runDialogTest(
  script: DialogScript,
  test: DialogTest,
  options: RunOptions,
): Promise<TestResult> {
  // Utterances are understood in the script's own locale, as a device set to that locale would.
  const resolver = LocalResolver.forLocale(script.locale);
  const conversation = new Conversation({ skill: options.skill, resolver, locale: script.locale });
  const utter = options.utter ?? ((c: Conversation, utterance: string) => c.say(utterance));
  const failures: StepFailure[] = [];
  const turns: Turn[] = [];
  const steps: StepRecord[] = [];
  const started = performance.now();
  for (const [index, step] of test.steps.entries()) {
    const request = describeRequest(step);
    let turn: Turn;
    try {
      turn = await takeStep(conversation, step, utter);
    } catch (error) {
      failures.push({ step: index + 1, request, message: `the skill failed: ${(error as Error).message}` });
      break;
    }
    turns.push(turn);
    const heard = step.say === undefined ? undefined : (turn.utterance ?? "");
    steps.push({ step: index + 1, request, heard });
    for (const message of checkStep(step, turn)) failures.push({ step: index + 1, request, message });
  }
  const seconds = (performance.now() - started) / 1000;
  return { script: script.name, test: test.name, failures, turns, steps, seconds };
}

function takeStep(conversation: Conversation, step: Step, utter: Utter): Promise<Turn> {
  if (step.launch) return conversation.launch();
  if (step.end) return conversation.send({ kind: "end", reason: "USER_INITIATED" });
  if (step.send !== undefined) {
    return conversation.send({
      kind: "intent",
      intent: step.send,
      slots: step.slots ?? {},
      match: "exact",
      confidence: 1,
    });
  }
  return utter(conversation, step.say ?? "");
}

function describeRequest(step: Step): string {
  if (step.launch) return "launch";
  if (step.end) return "end of session";
  if (step.send !== undefined) return `send ${step.send}`;
  return `"${step.say}"`;
}

/** Every expectation of the step that the turn does not meet, as a sentence. */
export function checkStep(step: Step, turn: Turn): string[] {
  const problems: string[] = [];
  for (const expected of listOf(step.speech)) {
    if (!matches(turn.speech, expected))
      problems.push(`expected speech to match ${expected}; it said "${turn.speech}"`);
  }
  for (const unwanted of listOf(step.notSpeech)) {
    if (matches(turn.speech, unwanted))
      problems.push(`expected speech not to match ${unwanted}; it said "${turn.speech}"`);
  }
  for (const expected of listOf(step.reprompt)) {
    if (!matches(turn.reprompt ?? "", expected)) {
      problems.push(`expected reprompt to match ${expected}; it was "${turn.reprompt ?? ""}"`);
    }
  }
  if (step.card !== undefined) {
    const card = turn.response.response.card;
    const title = card && "title" in card ? String(card.title ?? "") : "";
    if (!matches(title, step.card)) problems.push(`expected a card titled ${step.card}; got "${title}"`);
  }
  if (step.intent !== undefined && intentOf(turn.resolution) !== step.intent) {
    problems.push(`expected intent ${step.intent}; it resolved to ${intentOf(turn.resolution)}`);
  }
  if (step.endSession !== undefined && turn.endSession !== step.endSession) {
    problems.push(
      step.endSession
        ? "expected the session to end; it stayed open"
        : "expected the session to stay open; it ended",
    );
  }
  for (const [key, value] of Object.entries(step.session ?? {})) {
    const actual = turn.attributes[key];
    const ok = value === null ? actual === undefined : JSON.stringify(actual) === JSON.stringify(value);
    if (!ok)
      problems.push(`expected session ${key} = ${JSON.stringify(value)}; it is ${JSON.stringify(actual)}`);
  }
  return problems;
}

const listOf = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === "string" ? [value] : value;

/** "/regex/flags" is a regular expression; anything else a case-insensitive substring. */
export function matches(actual: string, expected: string): boolean {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(expected);
  if (regex) return new RegExp(regex[1] as string, regex[2]).test(actual);
  return actual.toLowerCase().includes(expected.toLowerCase());
}
