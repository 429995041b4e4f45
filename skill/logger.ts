/** The skill's structured logger: JSON lines (CloudWatch on Lambda), silent unless asked for locally. */
import { type Logger, pino } from "pino";

export type { Logger };

/** A logger at `level` ("silent", "info", "debug", ...) writing to standard error. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: undefined }, pino.destination(2));
}
