/**
 * The eval format (`utterance<TAB>expectation`, see ../shared/eval/dev.tsv) and its scoring: each
 * utterance goes through the whole text front door in a fresh session, and the spoken answer is checked.
 */
import { readFileSync } from "node:fs";

export interface EvalRow {
  readonly utterance: string;
  /** A phrase the answer must contain, or @fallback, @help, @stop. */
  readonly expectation: string;
  readonly line: number;
}

const DIRECTIVES = new Set(["@fallback", "@help", "@stop"]);

/** Parses eval TSV text; throws an error naming the file and line for anything malformed. */
export function parseEvalTsv(text: string, source: string): EvalRow[] {
  const rows: EvalRow[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "" || raw.startsWith("#")) return;
    const fields = raw.split("\t");
    if (fields.length !== 2) {
      throw new Error(
        `${source}:${line}: expected "utterance<TAB>expectation", found ${fields.length} tab-separated field(s)`,
      );
    }
    const [utterance, expectation] = fields.map((field) => field.trim()) as [string, string];
    if (utterance === "" || expectation === "")
      throw new Error(`${source}:${line}: empty utterance or expectation`);
    if (expectation.startsWith("@") && !DIRECTIVES.has(expectation)) {
      throw new Error(
        `${source}:${line}: unknown expectation "${expectation}" (use @fallback, @help or @stop)`,
      );
    }
    rows.push({ utterance, expectation, line });
  });
  return rows;
}

export function readEvalFile(path: string): EvalRow[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(
      `cannot read eval file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return parseEvalTsv(text, path);
}

/** What one utterance produced, as the eval needs it. */
export interface EvalOutcome {
  readonly speech: string;
  readonly endSession: boolean;
  readonly intent: string;
}

export interface EvalResult extends EvalRow {
  readonly outcome: EvalOutcome;
  readonly passed: boolean;
  /** The FAQ id whose answer holds the expected phrase; undefined for @ directives. */
  readonly faqId?: string;
}

export interface EvalReport {
  readonly results: readonly EvalResult[];
  readonly faq: { readonly total: number; readonly passed: number };
  readonly perFaq: ReadonlyArray<{ readonly id: string; readonly total: number; readonly passed: number }>;
  readonly directives: ReadonlyArray<{
    readonly directive: string;
    readonly total: number;
    readonly passed: number;
  }>;
}

export interface FaqAnswerText {
  readonly id: string;
  readonly answer: string;
}

/**
 * Scores eval rows. A phrase must appear in the answer; @fallback: no FAQ key phrase (the file's own
 * expectations) and no FAQ answer; @help: no FAQ answer and the session open; @stop: the session ends
 * and no FAQ answer is given.
 */
export async function scoreEval(
  rows: readonly EvalRow[],
  answers: readonly FaqAnswerText[],
  ask: (utterance: string) => Promise<EvalOutcome>,
): Promise<EvalReport> {
  const keyPhrases = [...new Set(rows.map((row) => row.expectation).filter((e) => !e.startsWith("@")))];
  const lower = (text: string) => text.toLowerCase();
  const isFaqAnswer = (speech: string) =>
    answers.some((entry) => lower(speech).includes(lower(entry.answer)));
  const results: EvalResult[] = [];
  for (const row of rows) {
    const outcome = await ask(row.utterance);
    const speech = lower(outcome.speech);
    let passed: boolean;
    switch (row.expectation) {
      case "@fallback":
        passed = !isFaqAnswer(outcome.speech) && !keyPhrases.some((phrase) => speech.includes(lower(phrase)));
        break;
      case "@help":
        passed = !isFaqAnswer(outcome.speech) && !outcome.endSession;
        break;
      case "@stop":
        passed = !isFaqAnswer(outcome.speech) && outcome.endSession;
        break;
      default:
        passed = speech.includes(lower(row.expectation));
    }
    const faqId = row.expectation.startsWith("@")
      ? undefined
      : (answers.find((entry) => lower(entry.answer).includes(lower(row.expectation)))?.id ??
        row.expectation);
    results.push({ ...row, outcome, passed, faqId });
  }
  const tally = (subset: readonly EvalResult[]) => ({
    total: subset.length,
    passed: subset.filter((result) => result.passed).length,
  });
  const faqResults = results.filter((result) => result.faqId !== undefined);
  const ids = [...new Set(faqResults.map((result) => result.faqId as string))];
  return {
    results,
    faq: tally(faqResults),
    perFaq: ids.map((id) => ({ id, ...tally(faqResults.filter((result) => result.faqId === id)) })),
    directives: [...DIRECTIVES]
      .map((directive) => ({
        directive,
        ...tally(results.filter((result) => result.expectation === directive)),
      }))
      .filter((entry) => entry.total > 0),
  };
}

const percent = (passed: number, total: number) =>
  total === 0 ? "-" : `${((100 * passed) / total).toFixed(1)}%`;

/** The report as a person reads it: overall, per FAQ, the rejection rate, then every miss. */
export function formatEvalReport(report: EvalReport, source: string): string {
  const lines = [`eval: ${source} (${report.results.length} utterances)`, ""];
  lines.push(
    `FAQ accuracy: ${report.faq.passed}/${report.faq.total} (${percent(report.faq.passed, report.faq.total)})`,
  );
  for (const { directive, passed, total } of report.directives) {
    const label = { "@fallback": "out-of-domain rejection rate", "@help": "help", "@stop": "stop" }[
      directive
    ];
    lines.push(`${label}: ${passed}/${total} (${percent(passed, total)})`);
  }
  lines.push("", "per FAQ:");
  const width = Math.max(...report.perFaq.map((entry) => entry.id.length), 4);
  for (const { id, passed, total } of report.perFaq) {
    lines.push(
      `  ${id.padEnd(width)}  ${String(passed).padStart(3)}/${String(total).padEnd(3)} ${percent(passed, total)}`,
    );
  }
  const misses = report.results.filter((result) => !result.passed);
  lines.push("", misses.length === 0 ? "misses: none" : `misses (${misses.length}):`);
  for (const miss of misses) {
    lines.push(`  line ${miss.line}: "${miss.utterance}" expected ${miss.expectation}`);
    lines.push(
      `    -> ${miss.outcome.intent}${miss.outcome.endSession ? " (session ended)" : ""}: "${truncate(miss.outcome.speech, 110)}"`,
    );
  }
  return lines.join("\n");
}

const truncate = (text: string, length: number) =>
  text.length > length ? `${text.slice(0, length - 1)}…` : text;
