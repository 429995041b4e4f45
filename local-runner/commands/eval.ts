/** `her-faq eval <file.tsv>`: scores an eval file through the text front door and prints the report. */
import { faq } from "../../skill/faq/index.js";
import { intentOf } from "../conversation.js";
import { formatEvalReport, readEvalFile, scoreEval } from "../eval.js";
import type { Runtime } from "../runtime.js";
import { UserError } from "../user-error.js";

export interface EvalOptions {
  /** Exit non-zero when FAQ accuracy or rejection falls below this percentage. */
  readonly failUnder?: number;
}

export async function evaluate(runtime: Runtime, file: string, options: EvalOptions): Promise<number> {
  let rows: ReturnType<typeof readEvalFile>;
  try {
    rows = readEvalFile(file);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const report = await scoreEval(rows, faq, async (utterance) => {
    const turn = await runtime.conversation().say(utterance);
    return { speech: turn.speech, endSession: turn.endSession, intent: intentOf(turn.resolution) };
  });
  process.stdout.write(`${formatEvalReport(report, file)}\n`);
  if (options.failUnder === undefined) return 0;
  const rates = [report.faq, ...report.directives]
    .filter((t) => t.total > 0)
    .map((t) => (100 * t.passed) / t.total);
  return rates.every((rate) => rate >= (options.failUnder as number)) ? 0 : 1;
}
