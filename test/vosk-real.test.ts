/**
 * Vosk on the real libvosk, with the fixture model the project builds itself (scripts/vosk-fixture): a
 * made-up language of pure tones, so no downloaded model is needed for libvosk to load, decode, hear a
 * grammar with [unk], free, and fail cleanly, and for `her-faq listen` to answer recordings end to end.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interactionModelFor } from "../interaction-model/index.js";
import { encodeWav, readWavFile } from "../local-runner/audio/wav.js";
import { intentOf } from "../local-runner/conversation.js";
import { expectedSentences } from "../local-runner/recognizers/grammar.js";
import { createRecognizer } from "../local-runner/recognizers/select.js";
import { type Recognizer, RecognizerUnavailable, transcribe } from "../local-runner/recognizers/types.js";
import { readings, VoskRecognizer } from "../local-runner/recognizers/vosk.js";
import {
  loadVoskLibrary,
  type VoskHandle,
  type VoskLibrary,
} from "../local-runner/recognizers/vosk-library.js";
import { createRuntime } from "../local-runner/runtime.js";
import { readTranscript } from "../local-runner/voice.js";
import { VoiceLoop } from "../local-runner/voice-loop.js";
import { buildVoskFixture, FixtureError } from "../scripts/vosk-fixture/fixture.js";
import { OUT_OF_GRAMMAR_WORD } from "../scripts/vosk-fixture/phonetics.js";
import { SAMPLES, synthesizeWords } from "../scripts/vosk-fixture/samples.js";
import { repoRoot } from "./paths.js";

const canLoad = process.platform === "linux" && process.arch === "x64";
const hasOpenFst = !spawnSync("fstcompile", ["--help"]).error;
const missing = !canLoad
  ? `libvosk is not loadable on ${process.platform}-${process.arch} here`
  : hasOpenFst
    ? undefined
    : "OpenFst's tools are not installed (apt-get install libfst-tools libfst22-plugins-base)";
if (missing && canLoad && process.env.CI) throw new Error(`CI runs the real-libvosk tests, but ${missing}`);

/** Built once and kept between runs (rebuilt when the builder changes); git ignores node_modules. */
const cache = join(repoRoot, "node_modules", ".cache", "her-faq", "vosk-fixture");
const lookahead = join(cache, "lookahead");
const staticGraph = join(cache, "static");
const scratch = mkdtempSync(join(tmpdir(), "her-faq-vosk-real-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const model = interactionModelFor("en-US");
const sentences = expectedSentences(model);
const runtime = createRuntime();
const samplePcm = (folder: string, file: string) => readWavFile(join(folder, "samples", file)).pcm;
const inGrammar = SAMPLES.filter((sample) => !sample.words.includes(OUT_OF_GRAMMAR_WORD));
const banana = SAMPLES.find((sample) => sample.words.includes(OUT_OF_GRAMMAR_WORD));
const silence = (ms: number) => new Int16Array(16 * ms);

function vosk(folder: string, options: { openVocabulary?: boolean; notices?: string[] } = {}): Recognizer {
  return createRecognizer(model, {
    engine: "vosk",
    voskModel: folder,
    openVocabulary: options.openVocabulary,
    onNotice: (message) => options.notices?.push(message),
  });
}

/** A copy of a fixture model to damage. */
function copyOf(folder: string, name: string): string {
  const copy = join(scratch, name);
  cpSync(folder, copy, { recursive: true });
  return copy;
}

/** Runs the built CLI; its output, exit code and the signal that killed it, if one did. */
function herFaq(args: readonly string[]) {
  return new Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, "bin", "her-faq.js"), ...args], {
        cwd: repoRoot,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ stdout, stderr, code, signal }));
    },
  );
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map(
      (line) => JSON.parse(line) as { file: string; transcript?: string; intent?: string; error?: string },
    );

/** samples/expected.tsv as file -> intent. */
function expectedIntents(folder: string): Map<string, string> {
  const lines = readFileSync(join(folder, "samples", "expected.tsv"), "utf8")
    .trim()
    .split("\n");
  return new Map(lines.map((line) => line.split("\t") as [string, string]));
}

describe.skipIf(missing !== undefined)(
  `the fixture Vosk model on the real libvosk${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    beforeAll(() => {
      buildVoskFixture(lookahead, { graph: "lookahead" });
      buildVoskFixture(staticGraph, { graph: "static" });
    }, 120_000);

    describe("the builder", () => {
      it("leaves a folder it already built as it is, and refuses a folder holding something else", () => {
        expect(buildVoskFixture(lookahead, { graph: "lookahead" }).built).toBe(false);
        const other = join(scratch, "someone-elses");
        cpSync(join(lookahead, "conf"), other, { recursive: true });
        expect(() => buildVoskFixture(other)).toThrow(FixtureError);
        expect(() => buildVoskFixture(other)).toThrow(/not a fixture model/);
      });

      it("writes the samples and what each should reach", () => {
        const expected = expectedIntents(lookahead);
        expect([...expected.keys()]).toEqual(SAMPLES.map((sample) => sample.file));
        expect(expected.get("help.wav")).toBe("AMAZON.HelpIntent");
        expect(samplePcm(lookahead, "yes.wav")).toEqual(synthesizeWords(["yes"]));
      });
    });

    describe("libvosk's C API", () => {
      it("loads the model: a handle, and the fixture's words in its vocabulary", () => {
        const lib = loadVoskLibrary();
        lib.setLogLevel(-3);
        for (const folder of [lookahead, staticGraph]) {
          const handle = lib.modelNew(folder);
          expect(handle, folder).not.toBeNull();
          const known = handle as VoskHandle;
          expect(lib.findWord(known, "help")).toBeGreaterThan(0);
          expect(lib.findWord(known, "[unk]")).toBeGreaterThan(0);
          expect(lib.findWord(known, "samantha")).toBe(-1);
          lib.modelFree(known);
        }
      });

      it("returns NULL, and does not crash, for an empty folder or a damaged acoustic model", () => {
        const lib = loadVoskLibrary();
        lib.setLogLevel(-3);
        const empty = mkdtempSync(join(scratch, "empty-"));
        expect(lib.modelNew(empty)).toBeNull();
        const damaged = copyOf(lookahead, "damaged-am");
        writeFileSync(
          join(damaged, "am", "final.mdl"),
          readFileSync(join(damaged, "am", "final.mdl"), "utf8").slice(0, 900),
        );
        expect(lib.modelNew(damaged)).toBeNull();
      });

      it("gives word confidences without alternatives, and ranked alternatives when asked", () => {
        const lib = loadVoskLibrary();
        lib.setLogLevel(-3);
        const handle = lib.modelNew(lookahead) as VoskHandle;
        const recognizer = lib.recognizerNewGrammar(
          handle,
          16_000,
          JSON.stringify(["who directed her", "yes", "[unk]"]),
        );
        expect(recognizer).not.toBeNull();
        const rec = recognizer as VoskHandle;
        lib.setWords(rec, true);
        lib.acceptWaveform(rec, samplePcm(lookahead, "who-directed-her.wav"));
        const words = JSON.parse(lib.finalResult(rec)) as {
          text: string;
          result: Array<{ word: string; conf: number; start: number; end: number }>;
        };
        expect(words.text).toBe("who directed her");
        expect(words.result.map((word) => word.word)).toEqual(["who", "directed", "her"]);
        for (const word of words.result) {
          expect(word.conf).toBeGreaterThan(0.5);
          expect(word.conf).toBeLessThanOrEqual(1);
          expect(word.end).toBeGreaterThan(word.start);
        }
        expect(readings(JSON.stringify(words))[0]?.text).toBe("who directed her");

        lib.setMaxAlternatives(rec, 3);
        lib.reset(rec);
        lib.acceptWaveform(rec, samplePcm(lookahead, "yes.wav"));
        const alternatives = readings(lib.finalResult(rec));
        expect(alternatives[0]?.text).toBe("yes");
        expect(alternatives.length).toBeGreaterThan(1);
        const scores = alternatives.map((reading) => reading.confidence ?? Number.NaN);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
        lib.recognizerFree(rec);
        lib.modelFree(handle);
      });

      it("says at its own endpoint that a segment ended, when a long silence follows speech", () => {
        const lib = loadVoskLibrary();
        lib.setLogLevel(-3);
        const handle = lib.modelNew(lookahead) as VoskHandle;
        const rec = lib.recognizerNewGrammar(
          handle,
          16_000,
          JSON.stringify(["yes", "no", "[unk]"]),
        ) as VoskHandle;
        const states = [samplePcm(lookahead, "yes.wav"), silence(2500)].map((pcm) =>
          lib.acceptWaveform(rec, pcm),
        );
        expect(states).toContain(1);
        expect(readings(lib.result(rec))[0]?.text).toBe("yes");
        lib.recognizerFree(rec);
        lib.modelFree(handle);
      });
    });

    describe("VoskRecognizer, grammar mode (lookahead graph)", () => {
      let recognizer: VoskRecognizer;
      beforeAll(() => {
        recognizer = vosk(lookahead) as VoskRecognizer;
      });
      afterAll(() => recognizer.close());

      it("reports the skill's words the fixture lacks, and keeps the ones it has", () => {
        expect(recognizer.missingWords).toContain("samantha");
        expect(recognizer.missingWords).not.toContain("help");
      });

      it.each(inGrammar)(
        "hears $file as the skill's own phrase, with a confidence",
        async ({ file, words }) => {
          const transcript = await transcribe(recognizer, samplePcm(lookahead, file));
          expect(transcript.text).toBe(words.join(" "));
          expect(transcript.readings[0]).toMatchObject({ text: words.join(" "), source: "phrases" });
          expect(transcript.readings[0]?.confidence).toBeGreaterThan(0.5);
        },
      );

      it("shows partial results while listening, growing word by word", async () => {
        const pcm = samplePcm(lookahead, "who-directed-her.wav");
        const stream = recognizer.start();
        const partials: string[] = [];
        for (let offset = 0; offset < pcm.length; offset += 1600) {
          const { partial } = stream.accept(pcm.subarray(offset, offset + 1600));
          if (partial && partials.at(-1) !== partial) partials.push(partial);
        }
        expect((await stream.finish()).text).toBe("who directed her");
        expect(partials.at(-1)).toBe("who directed her");
        expect(partials).toContain("who");
      });

      it("reuses one recognizer: each utterance is heard on its own, nothing carried over", async () => {
        const heard: string[] = [];
        for (const file of ["yes.wav", "no.wav", "help.wav", "yes.wav"])
          heard.push((await transcribe(recognizer, samplePcm(lookahead, file))).text);
        expect(heard).toEqual(["yes", "no", "help", "yes"]);
      });

      it("lets the shared endpointer end the utterance in a conversation, whatever libvosk's endpoint says", async () => {
        const own = vosk(lookahead);
        const answers: string[] = [];
        const loop = new VoiceLoop({
          recognizer: own,
          conversation: runtime.conversation(),
          io: {
            aloud: false,
            say: async (_speech, turn) => void (turn && answers.push(intentOf(turn.resolution))),
          },
        });
        loop.begin();
        // The fixture's "help", then silence: long enough for the endpointer, and for libvosk's own rule.
        loop.hear(Int16Array.from([...samplePcm(lookahead, "help.wav"), ...silence(3000)]));
        await new Promise((resolve) => setTimeout(resolve, 100));
        loop.stop();
        own.close();
        expect(answers).toEqual(["LaunchRequest", "AMAZON.HelpIntent"]);
      });

      it("keeps the words before libvosk's own endpoint within one utterance", async () => {
        const states: number[] = [];
        const lib = loadVoskLibrary();
        const spy: VoskLibrary = {
          ...lib,
          acceptWaveform: (rec, pcm) => {
            const state = lib.acceptWaveform(rec, pcm);
            states.push(state);
            return state;
          },
        };
        const own = new VoskRecognizer({ modelPath: lookahead, sentences, library: spy });
        const pcm = Int16Array.from([
          ...samplePcm(lookahead, "help.wav"),
          ...silence(2500),
          ...samplePcm(lookahead, "stop.wav"),
        ]);
        expect((await transcribe(own, pcm)).text).toBe("help stop");
        expect(states).toContain(1);
        own.close();
      });

      it("hears a fixture word outside the grammar as unknown ([unk]), shown as … while listening", async () => {
        if (!banana) throw new Error("the fixture has no out-of-grammar sample");
        const stream = recognizer.start();
        let partial: string | undefined;
        const pcm = samplePcm(lookahead, banana.file);
        for (let offset = 0; offset < pcm.length; offset += 4000) {
          partial = stream.accept(pcm.subarray(offset, offset + 4000)).partial ?? partial;
        }
        const transcript = await stream.finish();
        expect(partial).toBe("…");
        expect(transcript).toMatchObject({ text: "", readings: [{ text: "", confidence: 0 }] });
      });

      // libvosk's runners-up for "banana" include "who [unk]": forced onto a phrase, never to be answered.
      it("sends that word to Fallback", async () => {
        if (!banana) throw new Error("the fixture has no out-of-grammar sample");
        const transcript = await transcribe(recognizer, samplePcm(lookahead, banana.file));
        const { resolution } = readTranscript(runtime.conversation(), transcript);
        expect(intentOf(resolution)).toBe("AMAZON.FallbackIntent");
      });

      it("frees once: a second close, a stream after close and start after close do not crash", async () => {
        const calls: string[] = [];
        const lib = loadVoskLibrary();
        const spy: VoskLibrary = {
          ...lib,
          recognizerFree: (rec) => {
            calls.push("recognizer_free");
            lib.recognizerFree(rec);
          },
          modelFree: (handle) => {
            calls.push("model_free");
            lib.modelFree(handle);
          },
        };
        const own = new VoskRecognizer({ modelPath: lookahead, sentences, library: spy });
        // Building it frees the probe recognizer that checked the graph; from here on, one of each.
        expect(calls).toEqual(["recognizer_free"]);
        calls.length = 0;
        const stream = own.start();
        stream.accept(samplePcm(lookahead, "yes.wav"));
        own.close();
        own.close();
        expect(calls).toEqual(["recognizer_free", "model_free"]);
        expect(stream.accept(samplePcm(lookahead, "no.wav"))).toEqual({});
        expect((await stream.finish()).text).toBe("");
        expect(() => own.start()).toThrow(RecognizerUnavailable);
      });
    });

    describe("VoskRecognizer, open vocabulary", () => {
      it("hears every fixture word on the lookahead graph, the out-of-grammar one included", async () => {
        const recognizer = vosk(lookahead, { openVocabulary: true });
        for (const { file, words } of SAMPLES) {
          expect((await transcribe(recognizer, samplePcm(lookahead, file))).text, file).toBe(words.join(" "));
        }
        const transcript = await transcribe(recognizer, samplePcm(lookahead, "banana.wav"));
        expect(intentOf(readTranscript(runtime.conversation(), transcript).resolution)).toBe(
          "AMAZON.FallbackIntent",
        );
        recognizer.close();
      });

      it("says a static graph cannot take the grammar, and hears the open vocabulary instead", async () => {
        const notices: string[] = [];
        const recognizer = vosk(staticGraph, { notices });
        expect(notices.join("\n")).toMatch(/static graph.*open English/);
        expect((await transcribe(recognizer, samplePcm(staticGraph, "banana.wav"))).text).toBe("banana");
        expect((await transcribe(recognizer, samplePcm(staticGraph, "help.wav"))).text).toBe("help");
        recognizer.close();
      });

      // libvosk loads HCLG.fst whenever it exists, and then ignores the grammar.
      it("says so too when a folder holds both a static and a lookahead graph", () => {
        const both = copyOf(lookahead, "both-graphs");
        copyFileSync(join(staticGraph, "graph", "HCLG.fst"), join(both, "graph", "HCLG.fst"));
        const notices: string[] = [];
        vosk(both, { notices }).close();
        expect(notices.join("\n")).toMatch(/static graph/);
      });
    });

    describe("her-faq listen --engine vosk on the fixture", () => {
      it("answers each recording with the intent in expected.tsv", async () => {
        const expected = expectedIntents(lookahead);
        const files = inGrammar.map(({ file }) => join(lookahead, "samples", file));
        const { stdout, stderr, code, signal } = await herFaq([
          "listen",
          "--engine",
          "vosk",
          "--model",
          lookahead,
          "--json",
          "--wav",
          ...files,
        ]);
        expect({ code, signal }, stderr).toEqual({ code: 0, signal: null });
        const lines = jsonLines(stdout);
        expect(lines.map((line) => line.file)).toEqual(files);
        for (const line of lines) {
          const file = line.file.split("/").at(-1) ?? "";
          expect(line.intent, file).toBe(expected.get(file));
        }
      });

      it("says no speech was heard in a silent recording, and exits 1, never answering it with Fallback", async () => {
        const quiet = join(scratch, "quiet.wav");
        writeFileSync(quiet, encodeWav(silence(2000)));
        const { stdout, code } = await herFaq([
          "listen",
          "--engine",
          "vosk",
          "--model",
          lookahead,
          "--wav",
          quiet,
        ]);
        expect(code).toBe(1);
        expect(stdout).toBe(`${quiet}: error: no speech was heard in it\n`);
      });

      it("answers the out-of-grammar recording with Fallback", async () => {
        const { stdout } = await herFaq([
          "listen",
          "--engine",
          "vosk",
          "--model",
          lookahead,
          "--json",
          "--wav",
          join(lookahead, "samples", "banana.wav"),
        ]);
        expect(jsonLines(stdout)[0]?.intent).toBe(expectedIntents(lookahead).get("banana.wav"));
      });

      it("answers with --open-vocabulary too, without a crash", async () => {
        const files = SAMPLES.map(({ file }) => join(lookahead, "samples", file));
        const { stdout, stderr, code, signal } = await herFaq([
          "listen",
          "--engine",
          "vosk",
          "--model",
          lookahead,
          "--open-vocabulary",
          "--json",
          "--wav",
          ...files,
        ]);
        expect({ code, signal }, stderr).toEqual({ code: 0, signal: null });
        const lines = jsonLines(stdout);
        expect(lines.map((line) => line.transcript)).toEqual(SAMPLES.map(({ words }) => words.join(" ")));
        expect(lines.map((line) => line.intent)).toEqual(SAMPLES.map(({ intent }) => intent));
      });

      it.each([
        [
          "an empty folder",
          () => mkdtempSync(join(scratch, "empty-cli-")),
          /no Vosk model in .*missing am\/final\.mdl/,
        ],
        [
          "a damaged acoustic model",
          () => {
            const folder = copyOf(lookahead, "damaged-cli");
            writeFileSync(join(folder, "am", "final.mdl"), "not a model");
            return folder;
          },
          /Vosk could not load the model in/,
        ],
      ])(
        "says clearly what is wrong with %s: exit 1, no stack trace, no signal",
        async (_, make, message) => {
          const folder = make();
          const wav = join(lookahead, "samples", "yes.wav");
          const { stderr, code, signal } = await herFaq([
            "listen",
            "--engine",
            "vosk",
            "--model",
            folder,
            "--json",
            "--wav",
            wav,
          ]);
          expect({ code, signal }).toEqual({ code: 1, signal: null });
          expect(stderr).toMatch(message);
          expect(stderr).not.toMatch(/^\s+at /m);
        },
      );

      // With HCLr.fst unreadable, libvosk loads the model without a graph, and building a grammar on it
      // would dereference the missing graph (SIGSEGV): the probe recognizer catches it first.
      it("says clearly that a damaged lookahead graph is damaged, with no crash", async () => {
        const folder = copyOf(lookahead, "damaged-graph");
        writeFileSync(
          join(folder, "graph", "HCLr.fst"),
          readFileSync(join(folder, "graph", "HCLr.fst")).subarray(0, 300),
        );
        const wav = join(lookahead, "samples", "yes.wav");
        const { stderr, code, signal } = await herFaq([
          "listen",
          "--engine",
          "vosk",
          "--model",
          folder,
          "--json",
          "--wav",
          wav,
        ]);
        expect({ code, signal }).toEqual({ code: 1, signal: null });
        expect(stderr).toMatch(/has a missing or damaged graph/);
        expect(stderr).not.toMatch(/\n\s+at /);
      });
    });
  },
);
