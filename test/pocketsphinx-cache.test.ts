import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { interactionModelFor } from "../interaction-model/index.js";
import { carrierPrefixes, expectedSentences } from "../local-runner/recognizers/grammar.js";
import {
  DEFAULT_POCKETSPHINX_MODEL,
  PocketSphinxRecognizer,
} from "../local-runner/recognizers/pocketsphinx.js";
import { pocketSphinxLibrary } from "../local-runner/recognizers/pocketsphinx-library.js";
import { type Transcript, transcribe } from "../local-runner/recognizers/types.js";
import { synthesize } from "../local-runner/speech-out/synthesize.js";

function missingSpeechStack(): string | undefined {
  if (spawnSync("espeak-ng", ["--version"]).error) return "espeak-ng is not installed";
  if (spawnSync("text2wave", ["--version"]).error) return "festival (text2wave) is not installed";
  if (!existsSync(join(DEFAULT_POCKETSPHINX_MODEL, "en-us")))
    return "PocketSphinx's English model is not installed (sudo apt-get install pocketsphinx pocketsphinx-en-us)";
  return undefined;
}
const missing = missingSpeechStack();
if (missing && process.env.CI) throw new Error(`CI runs the PocketSphinx cache tests, but ${missing}`);
if (missing) console.warn(`PocketSphinx cache tests skipped: ${missing}`);

const model = interactionModelFor("en-US");
const sentences = expectedSentences(model);
const carriers = carrierPrefixes(model);
const START_UP = 120_000;

describe.skipIf(missing)("PocketSphinx's prepared models, cached on disk", () => {
  let folder: string;
  let recordings: Int16Array[];
  /** Every reading of every recording, through one recognizer, as a conversation hears them. */
  const readingsOf = async (options: ConstructorParameters<typeof PocketSphinxRecognizer>[1]) => {
    const recognizer = new PocketSphinxRecognizer(sentences, { carriers, ...options });
    try {
      const heard: Transcript[] = [];
      for (const pcm of recordings) heard.push(await transcribe(recognizer, pcm));
      return { heard, skipped: recognizer.skipped };
    } finally {
      recognizer.close();
    }
  };
  let cold: Transcript[];

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "her-faq-ps-cache-"));
    recordings = [
      synthesize("who directed her", "espeak:en-us"),
      synthesize("how long does her run", "festival:cmu_us_slt_arctic_hts"),
      synthesize("who composed the music for interstellar", "festival:kal_diphone"),
      synthesize("tell me who plays samantha", "espeak:en-us"),
      synthesize("stop", "festival:cmu_us_slt_arctic_hts"),
    ];
  }, START_UP);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it(
    "hears the same from a cold build and from the cache",
    async () => {
      const cache = join(folder, "cache");
      cold = (await readingsOf({ cacheFolder: cache })).heard;
      // The cold build hears: espeak-ng's "who directed her" comes out as "who directed" or all of it.
      expect(cold[0]?.readings.map((reading) => reading.text)).toContainEqual(
        expect.stringMatching(/^who directed/),
      );
      expect(readdirSync(cache).sort()).toEqual([
        expect.stringMatching(/^pocketsphinx-dictionaries-/),
        expect.stringMatching(/^pocketsphinx-domain-/),
      ]);
      expect((await readingsOf({ cacheFolder: cache })).heard).toEqual(cold);
    },
    START_UP,
  );

  it(
    "can be closed while its open decoders are still being built, and frees them once they are",
    async () => {
      const cache = join(folder, "cache");
      const recognizer = new PocketSphinxRecognizer(sentences, { carriers, cacheFolder: cache });
      recognizer.close();
      await expect(recognizer.ready()).rejects.toThrow(/closed/);
      // Freed decoders leave the shared model whole for the next recognizer (or the process would crash).
      expect((await readingsOf({ cacheFolder: cache })).heard).toEqual(cold);
    },
    START_UP,
  );

  it(
    "scores the mixed and free decoders side by side through a twin of the open model, hearing what one model scoring in turn hears",
    async () => {
      const cache = join(folder, "cache");
      const library = pocketSphinxLibrary();
      const twin = vi.spyOn(library, "twin");
      try {
        // Side by side: the twin is made, and gives every score as the model does.
        await readingsOf({ cacheFolder: cache });
        expect(twin).toHaveBeenCalledTimes(1);
        expect(twin.mock.results[0]?.value).toBeDefined();
        // In turn, as where no twin can be made: the same readings, the same confidences.
        twin.mockReturnValue(undefined);
        expect((await readingsOf({ cacheFolder: cache })).heard).toEqual(cold);
      } finally {
        twin.mockRestore();
      }
    },
    START_UP,
  );

  it(
    "rebuilds a damaged dictionary, and hears the same",
    async () => {
      const cache = join(folder, "cache");
      const entry = readdirSync(cache).find((name) => name.startsWith("pocketsphinx-dictionaries-"));
      const openDictionary = join(cache, entry as string, "open.dict");
      const whole = readFileSync(openDictionary, "utf8");
      writeFileSync(openDictionary, whole.slice(0, 5000));
      expect((await readingsOf({ cacheFolder: cache })).heard).toEqual(cold);
      expect(readFileSync(openDictionary, "utf8")).toEqual(whole);
    },
    START_UP,
  );

  it(
    "hears the same where no cache folder can be written, and leaves no files behind",
    async () => {
      const notAFolder = join(folder, "not-a-folder");
      writeFileSync(notAFolder, "");
      const before = readdirSync(tmpdir()).filter((name) => name.startsWith("her-faq-pocketsphinx-"));
      expect((await readingsOf({ cacheFolder: join(notAFolder, "cache") })).heard).toEqual(cold);
      const after = readdirSync(tmpdir()).filter((name) => name.startsWith("her-faq-pocketsphinx-"));
      expect(after).toEqual(before);
    },
    START_UP,
  );

  it(
    "never uses a dictionary cut from an older copy of the model",
    async () => {
      // A model folder of our own, whose dictionary can change: the acoustic and language models are linked.
      const modelDir = join(folder, "model");
      mkdirSync(modelDir);
      for (const part of ["en-us", "en-us.lm.bin"])
        symlinkSync(join(DEFAULT_POCKETSPHINX_MODEL, part), join(modelDir, part));
      const dictionary = readFileSync(join(DEFAULT_POCKETSPHINX_MODEL, "cmudict-en-us.dict"), "utf8");
      writeFileSync(join(modelDir, "cmudict-en-us.dict"), dictionary);
      const cache = join(folder, "stale-cache");
      const withTheodore = await readingsOf({ modelDir, cacheFolder: cache });
      expect(withTheodore.skipped.filter((sentence) => sentence.includes("theodore"))).toEqual([]);
      // The same dictionary without "theodore": the sentences that need it can no longer be heard.
      const lines = dictionary.split("\n").filter((line) => !/^theodore(\(\d+\))? /.test(line));
      writeFileSync(join(modelDir, "cmudict-en-us.dict"), lines.join("\n"));
      const withoutTheodore = await readingsOf({ modelDir, cacheFolder: cache });
      expect(withoutTheodore.skipped.length).toBeGreaterThan(0);
      expect(withoutTheodore.skipped.every((sentence) => sentence.includes("theodore"))).toBe(true);
    },
    START_UP,
  );
});
