/**
 * The dialog script format, in the spirit of Bespoken's `bst test`: YAML files of named tests, each a
 * sequence of steps (an utterance or request, then what must be true of the reply). See docs/dialog-scripts.md.
 */
import { z } from "zod";
import { LOCALES } from "../../interaction-model/types.js";

/** One expected text: a substring (case-insensitive) or "/regex/flags". */
const text = z.string().min(1, "must not be empty");
const texts = z.union([text, z.array(text).min(1)]);

export const stepSchema = z
  .object({
    say: z.string().optional(),
    launch: z.literal(true).optional(),
    send: z.string().optional(),
    slots: z.record(z.string(), z.string()).optional(),
    end: z.literal(true).optional(),
    speech: texts.optional(),
    notSpeech: texts.optional(),
    reprompt: texts.optional(),
    card: text.optional(),
    intent: z.string().optional(),
    endSession: z.boolean().optional(),
    session: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine(
    (step) =>
      [step.say !== undefined, step.launch, step.send !== undefined, step.end].filter(Boolean).length === 1,
    { message: "each step needs exactly one of say, launch, send or end" },
  )
  .refine((step) => step.slots === undefined || step.send !== undefined, { message: "slots go with send" });

export const scriptSchema = z
  .object({
    name: z.string().optional(),
    locale: z.enum(LOCALES).default("en-US"),
    tests: z
      .array(
        z
          .object({
            name: z.string().min(1),
            steps: z.array(z.unknown()).min(1, "a test needs at least one step"),
          })
          .strict(),
      )
      .min(1, "a script needs at least one test"),
  })
  .strict();

export type Step = z.infer<typeof stepSchema>;

export interface DialogTest {
  readonly name: string;
  readonly steps: readonly Step[];
}

export interface DialogScript {
  readonly name: string;
  readonly file: string;
  readonly locale: (typeof LOCALES)[number];
  readonly tests: readonly DialogTest[];
}
