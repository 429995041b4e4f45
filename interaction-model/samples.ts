/** Turns a written question into a sample utterance in the form Alexa accepts. */

/** "What is the significance of the film's setting in Her?" -> "what is the significance of the film's setting in her" */
export function normalizeSample(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[^a-z' {}]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}
