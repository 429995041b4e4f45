import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CACHE_FOLDER_VARIABLE, cachedFiles, cacheFolder } from "../local-runner/recognizers/model-cache.js";
import { dictionaryFor } from "../local-runner/recognizers/pronunciations.js";

describe("the cache folder", () => {
  it("is where each operating system keeps caches, unless the variable names another", () => {
    const home = "/home/samantha";
    expect(cacheFolder({}, "linux", home)).toBe(join(home, ".cache", "her-faq"));
    expect(cacheFolder({ XDG_CACHE_HOME: "/var/cache/sam" }, "linux", home)).toBe("/var/cache/sam/her-faq");
    // A relative XDG_CACHE_HOME is invalid by the XDG spec.
    expect(cacheFolder({ XDG_CACHE_HOME: "cache" }, "linux", home)).toBe(join(home, ".cache", "her-faq"));
    expect(cacheFolder({}, "darwin", home)).toBe(join(home, "Library", "Caches", "her-faq"));
    expect(cacheFolder({ LOCALAPPDATA: "C:\\Users\\sam\\AppData\\Local" }, "win32", home)).toBe(
      "C:\\Users\\sam\\AppData\\Local\\her-faq\\Cache",
    );
    expect(cacheFolder({ [CACHE_FOLDER_VARIABLE]: "/tmp/elsewhere" }, "linux", home)).toBe("/tmp/elsewhere");
  });
});

describe("cached files", () => {
  let folder: string;
  let builds: number;
  const build = (text: string) => () => {
    builds++;
    return { "model.txt": text, "data.bin": new Uint8Array([1, 2, 3]) };
  };
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), "her-faq-cache-test-"));
    builds = 0;
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it("are built once, then read from the cache", () => {
    const cold = cachedFiles("thing", { words: ["her"] }, build("built"), folder);
    expect(cold.hit).toBe(false);
    expect(readFileSync(cold.path("model.txt"), "utf8")).toBe("built");
    const warm = cachedFiles("thing", { words: ["her"] }, build("built again"), folder);
    expect(warm.hit).toBe(true);
    expect(builds).toBe(1);
    expect(warm.path("model.txt")).toBe(cold.path("model.txt"));
    expect(readFileSync(warm.path("model.txt"), "utf8")).toBe("built");
    expect([...readFileSync(warm.path("data.bin"))]).toEqual([1, 2, 3]);
    // Nothing half-written is left beside the entry.
    expect(readdirSync(folder)).toHaveLength(1);
  });

  it("are never read for other inputs", () => {
    const first = cachedFiles("thing", { words: ["her"], size: 1 }, build("one"), folder);
    const stale = cachedFiles("thing", { words: ["her"], size: 2 }, build("two"), folder);
    expect(stale.hit).toBe(false);
    expect(builds).toBe(2);
    expect(readFileSync(stale.path("model.txt"), "utf8")).toBe("two");
    expect(readFileSync(first.path("model.txt"), "utf8")).toBe("one");
  });

  it("are rebuilt when a file was damaged or lost", () => {
    const cold = cachedFiles("thing", { words: ["her"] }, build("whole"), folder);
    writeFileSync(cold.path("model.txt"), "who");
    const repaired = cachedFiles("thing", { words: ["her"] }, build("whole"), folder);
    expect(repaired.hit).toBe(false);
    expect(readFileSync(repaired.path("model.txt"), "utf8")).toBe("whole");
    rmSync(repaired.path("data.bin"));
    expect(cachedFiles("thing", { words: ["her"] }, build("whole"), folder).hit).toBe(false);
    writeFileSync(repaired.path("manifest.json"), "{ not json");
    expect(cachedFiles("thing", { words: ["her"] }, build("whole"), folder).hit).toBe(false);
    expect(builds).toBe(4);
    expect(cachedFiles("thing", { words: ["her"] }, build("whole"), folder).hit).toBe(true);
    expect(readdirSync(folder)).toHaveLength(1);
  });

  it("are built in a temporary folder, and removed after use, where the cache cannot be written", () => {
    const notAFolder = join(folder, "file");
    writeFileSync(notAFolder, "");
    const files = cachedFiles("thing", { words: ["her"] }, build("temporary"), join(notAFolder, "cache"));
    expect(files.hit).toBe(false);
    expect(readFileSync(files.path("model.txt"), "utf8")).toBe("temporary");
    files.release();
    expect(existsSync(files.path("model.txt"))).toBe(false);
  });
});

describe("a cut-down pronunciation dictionary", () => {
  const dictionary = [
    "'bout B AW T",
    "her HH ER",
    "her's HH ER Z",
    "read R EH D",
    "read(2) R IY D",
    "who HH UW",
    "whom HH UW M",
  ].join("\r\n");

  it("keeps the words asked for with every pronunciation, in the dictionary's order", () => {
    expect(dictionaryFor(dictionary, new Set(["who", "read", "her", "jonze"]))).toBe(
      "her HH ER\nread R EH D\nread(2) R IY D\nwho HH UW\n",
    );
    expect(dictionaryFor(dictionary, new Set(["jonze"]))).toBe("");
  });
});
