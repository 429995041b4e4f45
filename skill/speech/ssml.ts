/**
 * SSML in and out: plain text made safe to speak (Alexa rejects a response whose SSML does not parse), and
 * SSML turned back into the plain text a laptop speaker or a transcript shows.
 */

/** Characters that end or start markup in SSML, with their entities. */
const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** Plain text -> SSML character data: "Q&A <3" -> "Q&amp;A &lt;3". */
export function escapeSsml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

/** A spoken pause between two thoughts. */
export function pause(milliseconds: number): string {
  return `<break time="${Math.round(milliseconds)}ms"/>`;
}

/** Sentences (plain text) joined with short pauses: the SSML body Alexa wraps in <speak>. */
export function speechOf(...sentences: readonly string[]): string {
  return sentences
    .filter((sentence) => sentence !== "")
    .map(escapeSsml)
    .join(` ${pause(300)} `);
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** SSML -> the plain text it says: tags dropped, entities decoded, whitespace tidied. */
export function ssmlToText(ssml: string): string {
  return ssml
    .replace(/<[^>]*>/g, " ")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => decodeEntity(entity) ?? whole)
    .replace(/\s+/g, " ")
    .replace(/\s+([.,!?;:])/g, "$1")
    .trim();
}

function decodeEntity(entity: string): string | undefined {
  const lower = entity.toLowerCase();
  if (lower.startsWith("#x")) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
  if (lower.startsWith("#")) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
  return NAMED_ENTITIES[lower];
}
