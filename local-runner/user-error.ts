/** What the user typed, checked: an error they can fix says so. Light on purpose, so every command can load it first. */
import { LOCALES, type Locale } from "../interaction-model/index.js";

/** An error the user can fix; the CLI prints its message alone and exits with `exitCode`. */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function parseLocale(value: string): Locale {
  if ((LOCALES as readonly string[]).includes(value)) return value as Locale;
  throw new UserError(`unknown locale "${value}"; choose one of ${LOCALES.join(", ")}`);
}
