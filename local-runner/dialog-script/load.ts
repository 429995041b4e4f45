/**
 * Reads and checks dialog scripts: YAML syntax, the step format (with the compact `utterance: expected`
 * form expanded), and every intent a step names. Errors name the file and the step at fault.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { type DialogScript, type DialogTest, type Step, scriptSchema, stepSchema } from "./schema.js";

/** Request types a step may name as its `intent` besides the model's intents. */
const REQUEST_TYPES = ["LaunchRequest", "SessionEndedRequest"];
const STEP_KEYS = new Set(Object.keys(stepSchema.shape));

export class DialogScriptError extends Error {
  override readonly name = "DialogScriptError";
}

export function loadDialogScript(file: string, knownIntents: ReadonlySet<string>): DialogScript {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    throw new DialogScriptError(
      `${file}: cannot read the script (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  return parseDialogScript(source, file, knownIntents);
}

export function parseDialogScript(
  source: string,
  file: string,
  knownIntents: ReadonlySet<string>,
): DialogScript {
  let document: unknown;
  try {
    document = parseYaml(source);
  } catch (error) {
    const where = error instanceof YAMLParseError ? ` at line ${error.linePos?.[0]?.line ?? "?"}` : "";
    throw new DialogScriptError(
      `${file}: not valid YAML${where}: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const script = scriptSchema.safeParse(document);
  if (!script.success) throw new DialogScriptError(`${file}: ${describeIssues(script.error)}`);

  const tests: DialogTest[] = script.data.tests.map((test) => ({
    name: test.name,
    steps: test.steps.map((raw, s) => {
      const where = `${file}: test "${test.name}", step ${s + 1}`;
      const step = stepSchema.safeParse(expandCompact(raw));
      if (!step.success) throw new DialogScriptError(`${where}: ${describeIssues(step.error)}`);
      checkIntents(step.data, where, knownIntents);
      checkPatterns(step.data, where);
      return step.data;
    }),
  }));
  return { name: script.data.name ?? basename(file), file, locale: script.data.locale, tests };
}

/** `- "who composed the music": Owen Pallett` -> `{ say: "who composed the music", speech: "Owen Pallett" }`. */
function expandCompact(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const entries = Object.entries(raw);
  if (entries.length !== 1) return raw;
  const [key, value] = entries[0] as [string, unknown];
  if (STEP_KEYS.has(key)) return raw;
  return value === null ? { say: key } : { say: key, speech: value };
}

function checkIntents(step: Step, where: string, knownIntents: ReadonlySet<string>): void {
  for (const [field, intent] of [
    ["send", step.send],
    ["intent", step.intent],
  ] as const) {
    if (intent === undefined) continue;
    const known = knownIntents.has(intent) || (field === "intent" && REQUEST_TYPES.includes(intent));
    if (!known) {
      const choices = [...knownIntents].sort().join(", ");
      throw new DialogScriptError(
        `${where}: unknown intent "${intent}" in ${field}; the model has: ${choices}`,
      );
    }
  }
}

function checkPatterns(step: Step, where: string): void {
  const patterns = [step.speech, step.notSpeech, step.reprompt, step.card]
    .flat()
    .filter((p) => p !== undefined);
  for (const pattern of patterns) {
    const regex = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
    if (!regex) continue;
    try {
      new RegExp(regex[1] as string, regex[2]);
    } catch (error) {
      throw new DialogScriptError(
        `${where}: ${pattern} is not a valid regular expression (${(error as Error).message})`,
      );
    }
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`)
    .join("; ");
}
