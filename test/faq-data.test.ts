import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalizeSample } from "../interaction-model/samples.js";
import { faq, intentNameFor } from "../skill/faq/index.js";
import { hasShared, noSharedReason, seedFile } from "./paths.js";

/** The seed document: blank-line separated paragraphs, each question followed by its answer. */
function seedEntries(): Array<{ question: string; answer: string }> {
  const paragraphs = readFileSync(seedFile, "utf8")
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== "");
  const entries = [];
  for (let i = 0; i + 1 < paragraphs.length; i += 2) {
    entries.push({ question: paragraphs[i] as string, answer: paragraphs[i + 1] as string });
  }
  return entries;
}

const plainQuotes = (text: string) => text.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"');

describe("FAQ data", () => {
  it.skipIf(!hasShared)(
    `serves every seed question and answer as written (${hasShared ? "seed found" : noSharedReason})`,
    () => {
      const seed = seedEntries();
      expect(seed).toHaveLength(18);
      expect(faq.map((entry) => entry.question)).toEqual(seed.map((entry) => plainQuotes(entry.question)));
      expect(faq.map((entry) => entry.answer)).toEqual(seed.map((entry) => plainQuotes(entry.answer)));
    },
  );

  it("has 18 entries with unique, stable kebab-case ids and intent names", () => {
    expect(faq).toHaveLength(18);
    const ids = faq.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
    expect(intentNameFor("filming-location")).toBe("FilmingLocationIntent");
  });

  it("gives each entry at least 20 distinct spoken samples including its own question", () => {
    for (const entry of faq) {
      const samples = new Set([normalizeSample(entry.question), ...entry.samples]);
      expect(samples.size, entry.id).toBeGreaterThanOrEqual(20);
      for (const sample of entry.samples) expect(sample, entry.id).toMatch(/^[a-z][a-z' ]*[a-z]$/);
    }
  });

  it("keeps topics and offers free of answer wording, so help never sounds like an answer", () => {
    for (const entry of faq) {
      for (const other of faq) {
        expect(other.answer.toLowerCase()).not.toContain(entry.topic.toLowerCase());
      }
    }
  });
});
