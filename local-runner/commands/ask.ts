/** `her-faq ask`: one question (or one per stdin line), each a fresh one-shot session, answered as text. */
import { createInterface } from "node:readline";
import { MAX_UTTERANCE_LENGTH } from "../../skill/text/normalize.js";
import { herFaq } from "../command-hint.js";
import { intentOf, type Turn } from "../conversation.js";
import type { Runtime } from "../runtime.js";
import { UserError } from "../user-error.js";

export interface AskOptions {
  readonly json?: boolean;
}

export async function ask(runtime: Runtime, words: readonly string[], options: AskOptions): Promise<void> {
  if (words.length === 1 && words[0] === "-") return askEachLine(runtime, options);
  const utterance = words.join(" ");
  const problem = problemWith(utterance);
  if (problem)
    throw new UserError(`${problem}. Ask a question, for example: ${herFaq('ask "how long is her"')}`);
  const turn = await runtime.conversation().say(utterance);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(jsonOf(turn))}\n`);
  } else if (turn.speech === "") {
    process.stderr.write("(no reply: the session ended)\n");
  } else {
    process.stdout.write(`${turn.speech}\n`);
  }
}

/** One JSON line per input line, in order; a bad line gets an `error` line instead of stopping the run. */
async function askEachLine(runtime: Runtime, options: AskOptions): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    const utterance = line.trim();
    const problem = problemWith(utterance);
    if (problem) {
      process.stdout.write(
        options.json ? `${JSON.stringify({ utterance, error: problem })}\n` : `error: ${problem}\n`,
      );
      continue;
    }
    const turn = await runtime.conversation().say(utterance);
    process.stdout.write(options.json ? `${JSON.stringify(jsonOf(turn))}\n` : `${turn.speech}\n`);
  }
}

function problemWith(utterance: string): string | undefined {
  if (utterance.trim() === "") return "the question is empty";
  if (utterance.length > MAX_UTTERANCE_LENGTH) {
    return `the question is ${utterance.length} characters long; the limit is ${MAX_UTTERANCE_LENGTH}`;
  }
  return undefined;
}

export function jsonOf(turn: Turn) {
  return {
    utterance: turn.utterance ?? "",
    intent: intentOf(turn.resolution),
    slots: turn.resolution.kind === "intent" ? turn.resolution.slots : {},
    speech: turn.speech,
    reprompt: turn.reprompt ?? null,
    endSession: turn.endSession,
  };
}
