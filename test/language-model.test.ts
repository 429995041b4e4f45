import { describe, expect, it } from "vitest";
import { trigramModel } from "../local-runner/recognizers/language-model.js";

interface Parsed {
  readonly orders: Array<Map<string, { logP: number; backoff: number }>>;
  readonly declared: number[];
}

function parseArpa(arpa: string): Parsed {
  const orders: Parsed["orders"] = [new Map(), new Map(), new Map()];
  const declared: number[] = [];
  let order = 0;
  for (const line of arpa.split("\n")) {
    const count = /^ngram (\d)=(\d+)$/.exec(line);
    if (count) declared[Number(count[1]) - 1] = Number(count[2]);
    const header = /^\\(\d)-grams:$/.exec(line);
    if (header) order = Number(header[1]);
    else if (order > 0 && line.trim() !== "" && !line.startsWith("\\")) {
      const [logP, words, backoff] = line.split("\t");
      orders[order - 1]?.set(words as string, { logP: Number(logP), backoff: Number(backoff ?? 0) });
    }
  }
  return { orders, declared };
}

/** P(word | history) read back from the ARPA tables, with back-off, as a decoder would. */
function probability(model: Parsed, history: string[], word: string): number {
  const key = [...history, word].join(" ");
  const entry = model.orders[history.length]?.get(key);
  if (entry) return 10 ** entry.logP;
  const backoff = model.orders[history.length - 1]?.get(history.join(" "))?.backoff ?? 0;
  return 10 ** backoff * probability(model, history.slice(1), word);
}

const sentences = [
  "who directed her",
  "who wrote her",
  "who wrote the music for her",
  "how long is her",
  "how long is the movie",
  "where was her filmed",
];

describe("the domain language model", () => {
  const lm = trigramModel(sentences);
  const parsed = parseArpa(lm.arpa);

  it("declares as many n-grams as it lists, with the ARPA sections in order", () => {
    expect(lm.arpa.startsWith("\\data\\\n")).toBe(true);
    expect(lm.arpa.trimEnd().endsWith("\\end\\")).toBe(true);
    expect(parsed.orders.map((table) => table.size)).toEqual(parsed.declared);
    expect(lm.counts).toEqual(parsed.declared);
  });

  it("holds the vocabulary of the sentences and nothing else", () => {
    expect(lm.vocabulary).toEqual([...new Set(sentences.flatMap((sentence) => sentence.split(" ")))].sort());
  });

  it("is a proper distribution after every history, seen or backed off", () => {
    const predictable = [...lm.vocabulary, "</s>"];
    const histories = [
      ["<s>"],
      ["who"],
      ["<s>", "who"],
      ["who", "wrote"],
      ["is", "her"],
      ["directed"],
      ["the", "music"],
      ["her", "filmed"],
    ];
    for (const history of histories) {
      const total = predictable.reduce((sum, word) => sum + probability(parsed, history, word), 0);
      expect(total, history.join(" ")).toBeCloseTo(1, 3);
    }
  });

  it("prefers the word orders it was built from, yet can reach new ones", () => {
    const seen = probability(parsed, ["who", "wrote"], "her");
    const unseen = probability(parsed, ["who", "wrote"], "filmed");
    expect(seen).toBeGreaterThan(10 * unseen);
    expect(unseen).toBeGreaterThan(0);
  });

  it("is deterministic", () => {
    expect(trigramModel([...sentences]).arpa).toBe(lm.arpa);
  });
});
