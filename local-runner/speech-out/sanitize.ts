/**
 * Makes text safe to hand to a speech engine. `say` on Linux writes (SayText "<text>") into festival's Scheme
 * unescaped, so a quote would end the string and the rest would run as Scheme ((system "...") runs a shell);
 * on macOS it passes the text to the `say` command as an argument, where a leading "-" makes it an option
 * (-o FILE writes a file). Only letters, digits, spaces and plain punctuation survive, everything else
 * becomes a space, and the text never starts with a hyphen.
 */

/** Characters a sentence needs and Scheme strings, shells and SSML cannot misread. */
const UNSAFE = /[^A-Za-z0-9 .,?!'\-:;]/g;

export function sanitizeForSpeech(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, " ")
    .replace(/[\u2013\u2014]/g, ", ")
    .replace(UNSAFE, " ")
    .replace(/\s+/g, " ")
    .replace(/^[- ]+/, "")
    .trim();
}

/**
 * A voice name as festival and espeak-ng spell them (kal_diphone, cmu_us_slt_arctic_hts, en-us+f3); anything
 * else is refused, and so is a leading "-", which an engine would read as an option.
 */
export function isSafeVoiceName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_+-]{0,63}$/.test(name);
}

/**
 * Speech in sentences, so the first can play while the rest are still to come: a listener hears the start of
 * an answer after one sentence's synthesis, not the whole answer's. "Dec. 18" style abbreviations are not in
 * the answers; a split there would only cost a pause.
 */
export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.?!])\s+(?=[A-Z0-9"'])/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== "");
}
