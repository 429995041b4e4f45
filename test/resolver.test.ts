import { describe, expect, it } from "vitest";
import { LocalResolver, type Resolution } from "../local-runner/resolver.js";
import { faq, intentNameFor } from "../skill/faq/index.js";

const resolver = LocalResolver.forLocale("en-US");
const intentOf = (resolution: Resolution) =>
  resolution.kind === "intent" ? resolution.intent : resolution.kind;

describe("the local resolver", () => {
  it.each(faq.map((entry) => [entry.question, intentNameFor(entry.id)]))(
    "resolves the seed question %j exactly",
    (question, intent) => {
      const resolution = resolver.resolve(question);
      expect(resolution).toMatchObject({ kind: "intent", intent, match: "exact" });
    },
  );

  it.each([
    ["which actors were in the film her", "CastIntent"],
    ["what year did the film come out", "ReleaseDateIntent"],
    ["where did they shoot the film", "FilmingLocationIntent"],
    ["how many minutes long is her", "RuntimeIntent"],
    ["did the movie win any oscars", "AwardsIntent"],
    ["who wrote the film score", "MusicIntent"],
  ])("ranks the paraphrase %j to %s", (utterance, intent) => {
    expect(resolver.resolve(utterance)).toMatchObject({ kind: "intent", intent, match: "ranked" });
  });

  it.each([
    ["who stars in here", "CastIntent"],
    ["how long is hur", "RuntimeIntent"],
    ["what awards did her one", "AwardsIntent"],
    ["how does her challenge gender rolls", "GenderRolesIntent"],
    ["who composed music for", "MusicIntent"],
  ])("recovers from the recognizer error in %j", (utterance, intent) => {
    expect(intentOf(resolver.resolve(utterance))).toBe(intent);
  });

  it.each([
    "how long is avatar",
    "who directed jaws",
    "is titanic based on a true story",
    "what's the weather in paris",
    "set a timer for ten minutes",
    "play some jazz",
    "who is the president of france",
  ])("sends %j to Fallback instead of a wrong answer", (utterance) => {
    expect(resolver.resolve(utterance)).toMatchObject({ intent: "AMAZON.FallbackIntent", match: "fallback" });
  });

  it("fills the SearchQuery slot from a carrier phrase", () => {
    expect(resolver.resolve("I'd like to know who played Samantha")).toEqual({
      kind: "intent",
      intent: "QuestionIntent",
      slots: { query: "who played samantha" },
      match: "carrier",
      confidence: 1,
    });
  });

  it("understands the built-ins, with the courtesy words people add", () => {
    expect(intentOf(resolver.resolve("help"))).toBe("AMAZON.HelpIntent");
    expect(intentOf(resolver.resolve("what can i ask"))).toBe("AMAZON.HelpIntent");
    expect(intentOf(resolver.resolve("stop please"))).toBe("AMAZON.StopIntent");
    expect(intentOf(resolver.resolve("okay bye for now"))).toBe("AMAZON.StopIntent");
    expect(intentOf(resolver.resolve("never mind"))).toBe("AMAZON.CancelIntent");
    expect(intentOf(resolver.resolve("say that again"))).toBe("AMAZON.RepeatIntent");
    expect(intentOf(resolver.resolve("yes please"))).toBe("AMAZON.YesIntent");
    expect(intentOf(resolver.resolve("no thanks"))).toBe("AMAZON.NoIntent");
    expect(intentOf(resolver.resolve("go home"))).toBe("AMAZON.NavigateHomeIntent");
  });

  it("opens the skill by its invocation name, and takes one-shot questions", () => {
    expect(resolver.resolve("Alexa, open her movie guide")).toEqual({ kind: "launch" });
    expect(intentOf(resolver.resolve("ask her movie guide how long is her"))).toBe("RuntimeIntent");
    expect(intentOf(resolver.resolve("ask her movie guide about the soundtrack"))).toBe("MusicIntent");
  });

  it("ends the session on exit, as Alexa does, courtesy words and all", () => {
    expect(resolver.resolve("exit")).toEqual({ kind: "end", reason: "USER_INITIATED" });
    expect(resolver.resolve("exit please")).toEqual({ kind: "end", reason: "USER_INITIATED" });
  });

  it("opens the skill on its name alone, politely or as an unfinished one-shot", () => {
    expect(resolver.resolve("open her movie guide please")).toEqual({ kind: "launch" });
    expect(resolver.resolve("ask her movie guide")).toEqual({ kind: "launch" });
  });

  it.each([
    ["empty", ""],
    ["blank", "   \t "],
    ["punctuation only", "?!… — ..."],
    ["emoji", "🎬🍿❤️"],
    ["control characters", "\u0000\u0007\u001b[31m"],
    ["too long", "how long is her ".repeat(40)],
    ["a script tag", "<script>alert(1)</script>"],
  ])("falls back on %s input without throwing", (_, utterance) => {
    expect(resolver.resolve(utterance)).toMatchObject({ kind: "intent", intent: "AMAZON.FallbackIntent" });
  });

  it("folds accents, typographic quotes and case", () => {
    expect(intentOf(resolver.resolve("WHAT’S THE FILM’S RUNTIME?"))).toBe("RuntimeIntent");
    expect(intentOf(resolver.resolve("Who composed the músic for Her?"))).toBe("MusicIntent");
  });

  it("reads British spelling in en-GB", () => {
    const british = LocalResolver.forLocale("en-GB");
    expect(british.resolve("what does the colour red mean in her")).toMatchObject({
      intent: "ColorRedIntent",
      match: "exact",
    });
  });
});
