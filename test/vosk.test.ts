import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { interactionModelFor } from "../interaction-model/index.js";
import { intentOf, type Turn } from "../local-runner/conversation.js";
import { expectedSentences } from "../local-runner/recognizers/grammar.js";
import { createRecognizer } from "../local-runner/recognizers/select.js";
import { RecognizerUnavailable, transcribe } from "../local-runner/recognizers/types.js";
import { readings, VoskRecognizer } from "../local-runner/recognizers/vosk.js";
import { libvoskPath, loadVoskLibrary } from "../local-runner/recognizers/vosk-library.js";
import { createRuntime } from "../local-runner/runtime.js";
import { synthesize } from "../local-runner/speech-out/synthesize.js";
import { readTranscript } from "../local-runner/voice.js";
import {
  COMPLETE_QUESTION_SILENCE_MS,
  SILENCE_MS,
  type TurnTiming,
  VoiceLoop,
} from "../local-runner/voice-loop.js";
import { REQUIRED_MODEL_FILES } from "../models/vosk-model.js";
import { fakeVosk } from "./support/fake-libvosk.js";

const scratch = mkdtempSync(join(tmpdir(), "her-faq-vosk-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A folder laid out like a Vosk model (its files hold nothing: the fake library never reads them). */
function modelFolder(name: string, graph: "lookahead" | "static" = "lookahead"): string {
  const folder = join(scratch, name);
  const files = [
    ...REQUIRED_MODEL_FILES,
    ...(graph === "lookahead" ? ["graph/HCLr.fst", "graph/Gr.fst"] : ["graph/HCLG.fst"]),
  ];
  for (const file of files) {
    mkdirSync(dirname(join(folder, file)), { recursive: true });
    writeFileSync(join(folder, file), "");
  }
  return folder;
}

const sentences = expectedSentences(interactionModelFor("en-US"));
const runtime = createRuntime();
const second = (ms: number) => new Int16Array((16_000 * ms) / 1000);
const speech = (ms: number) => second(ms).map((_, index) => (index % 40 < 20 ? 6000 : -6000));

describe("Vosk through libvosk's C API (a fake library at the boundary)", () => {
  it("hears the open vocabulary with a recognizer made without a grammar, never a NULL one", async () => {
    const lib = fakeVosk({ finalResults: ['{"text": "who directed her"}'] });
    const recognizer = new VoskRecognizer({ modelPath: modelFolder("open"), library: lib });
    expect(lib.calls).toContain("recognizer_new 16000");
    expect(lib.calls.some((call) => call.startsWith("recognizer_new_grm"))).toBe(false);
    expect((await transcribe(recognizer, speech(500))).text).toBe("who directed her");
    recognizer.close();
  });

  it("turns a NULL recognizer or model into a clear error, with nothing left allocated", () => {
    const noRecognizer = fakeVosk({ noRecognizer: true });
    expect(
      () => new VoskRecognizer({ modelPath: modelFolder("null-rec"), sentences, library: noRecognizer }),
    ).toThrow(/has a missing or damaged graph.*models download/);
    expect(noRecognizer.models.every((model) => model.freed)).toBe(true);
    const noModel = fakeVosk({ unloadable: () => true });
    expect(() => new VoskRecognizer({ modelPath: modelFolder("null-model"), library: noModel })).toThrow(
      /Vosk could not load the model in .*null-model/,
    );
  });

  it("keeps the words before libvosk's own endpoint: that endpoint is not the end of the utterance", async () => {
    const lib = fakeVosk({
      acceptStates: [0, 1, 0],
      segmentResults: ['{"text": "who directed"}'],
      finalResults: ['{"text": "her"}'],
    });
    const recognizer = new VoskRecognizer({ modelPath: modelFolder("segments"), sentences, library: lib });
    const stream = recognizer.start();
    for (let index = 0; index < 3; index++)
      expect(stream.accept(speech(100))).not.toHaveProperty("endOfSpeech");
    expect((await stream.finish()).text).toBe("who directed her");
    recognizer.close();
  });

  it("ranks the alternatives by their share of belief, and trusts less a reading that is not one of the skill's sentences", async () => {
    const lib = fakeVosk({
      finalResults: [
        JSON.stringify({
          alternatives: [
            { confidence: 212.5, text: "who directed her" },
            { confidence: 180.1, text: "who directed the music" },
            { confidence: 120.0, text: "" },
          ],
        }),
      ],
    });
    const recognizer = new VoskRecognizer({
      modelPath: modelFolder("alternatives"),
      sentences,
      library: lib,
    });
    expect(lib.recognizers.at(-1)).toMatchObject({ words: true, alternatives: 3, freed: false });
    const transcript = await transcribe(recognizer, speech(300));
    expect(transcript.text).toBe("who directed her");
    const [best, runnerUp, ...rest] = transcript.readings;
    expect(best).toMatchObject({ text: "who directed her", source: "phrases", score: 212.5 });
    // The runner-up is 32 log units behind: next to no belief left for it, and less again as a mix of phrases.
    expect(best?.confidence).toBeCloseTo(1);
    expect(runnerUp).toMatchObject({ text: "who directed the music", source: "phrases" });
    expect(runnerUp?.confidence).toBeLessThan(1e-10);
    expect(rest).toEqual([]);
    recognizer.close();
  });

  it("reads word confidences when libvosk gives words instead of alternatives", () => {
    expect(
      readings(
        '{"result": [{"conf": 1.0, "word": "how"}, {"conf": 0.5, "word": "long"}], "text": "how long"}',
      ),
    ).toEqual([{ text: "how long", confidence: 0.75 }]);
    expect(readings('{"text": ""}')).toEqual([]);
    expect(readings("not json")).toEqual([]);
  });

  it("sends speech it heard as unknown words to Fallback", async () => {
    const lib = fakeVosk({ finalResults: ['{"text": "[unk] [unk] her"}'] });
    const recognizer = new VoskRecognizer({ modelPath: modelFolder("unknown"), sentences, library: lib });
    const transcript = await transcribe(recognizer, speech(300));
    expect(transcript.readings).toEqual([{ text: "", source: "phrases", score: 0, confidence: 0 }]);
    const { resolution } = readTranscript(runtime.conversation(), transcript);
    expect(intentOf(resolution)).toBe("AMAZON.FallbackIntent");
    recognizer.close();
  });

  it("never answers unknown speech with a runner-up forced onto the skill's phrases", async () => {
    const lib = fakeVosk({
      finalResults: [
        JSON.stringify({ alternatives: [{ text: "[unk]" }, { text: "[unk] [unk]" }, { text: "who [unk]" }] }),
        JSON.stringify({ alternatives: [{ text: "how long [unk] her" }] }),
      ],
    });
    const recognizer = new VoskRecognizer({ modelPath: modelFolder("runner-up"), sentences, library: lib });
    const unknown = await transcribe(recognizer, speech(300));
    expect(unknown).toMatchObject({ text: "", readings: [{ text: "", confidence: 0 }] });
    expect(unknown.readings).toHaveLength(1);
    expect(intentOf(readTranscript(runtime.conversation(), unknown).resolution)).toBe(
      "AMAZON.FallbackIntent",
    );
    // Partly unknown: the skill's words, but not one of its sentences.
    const partly = await transcribe(recognizer, speech(300));
    expect(partly).toMatchObject({ text: "how long her", readings: [{ text: "how long her" }] });
    expect(partly.readings[0]?.confidence).toBeLessThan(1);
    recognizer.close();
  });

  it("reports the skill's words the model lacks, and leaves them out of the grammar", () => {
    const vocabulary = new Set(sentences.flatMap((sentence) => sentence.split(" ")));
    vocabulary.delete("jonze");
    const lib = fakeVosk({ vocabulary });
    const notices: string[] = [];
    const recognizer = new VoskRecognizer({
      modelPath: modelFolder("missing-words"),
      sentences,
      library: lib,
      onNotice: (message) => notices.push(message),
    });
    expect(recognizer.missingWords).toEqual(["jonze"]);
    expect(notices.join("\n")).toMatch(/does not know 1 of the skill's words \(jonze\)/);
    const grammar = JSON.parse(lib.recognizers.find((made) => made.grammar)?.grammar ?? "[]") as string[];
    expect(grammar).toContain("[unk]");
    expect(grammar.some((phrase) => phrase.split(" ").includes("jonze"))).toBe(false);
    recognizer.close();
  });

  it("says a static-graph model cannot take a grammar, and hears open English instead", () => {
    const lib = fakeVosk();
    const notices: string[] = [];
    const recognizer = new VoskRecognizer({
      modelPath: modelFolder("static", "static"),
      sentences,
      library: lib,
      onNotice: (message) => notices.push(message),
    });
    expect(notices.join("\n")).toMatch(/static graph.*open English/);
    expect(lib.calls.some((call) => call.startsWith("recognizer_new_grm"))).toBe(false);
    recognizer.close();
  });

  it("reuses one recognizer across utterances, and frees it and the model exactly once", async () => {
    const lib = fakeVosk({ finalResults: ['{"text": "help"}', '{"text": "yes"}', '{"text": "stop"}'] });
    const recognizer = new VoskRecognizer({ modelPath: modelFolder("reuse"), sentences, library: lib });
    const heard: string[] = [];
    for (let turn = 0; turn < 3; turn++) heard.push((await transcribe(recognizer, speech(200))).text);
    expect(heard).toEqual(["help", "yes", "stop"]);
    // The grammar's recognizer, made once; the probe made before it is already freed.
    expect(lib.recognizers.filter((made) => !made.freed)).toHaveLength(1);
    expect(lib.calls.filter((call) => call.startsWith("recognizer_new_grm"))).toHaveLength(1);
    expect(lib.calls.filter((call) => call === "reset")).toHaveLength(3);
    recognizer.close();
    recognizer.close();
    // The fake throws on a second free of any handle, so counting frees checks "exactly once".
    expect(lib.calls.filter((call) => call === "recognizer_free")).toHaveLength(lib.recognizers.length);
    expect(lib.recognizers.every((made) => made.freed)).toBe(true);
    expect(lib.calls.filter((call) => call === "model_free")).toHaveLength(1);
  });

  it("never touches the recognizer from an abandoned stream, or after close", async () => {
    const lib = fakeVosk({ finalResults: ['{"text": "help"}'] });
    const recognizer = new VoskRecognizer({ modelPath: modelFolder("abandon"), sentences, library: lib });
    const abandoned = recognizer.start();
    const current = recognizer.start();
    abandoned.accept(speech(100));
    expect(lib.recognizers.at(-1)?.samples).toBe(0);
    expect((await abandoned.finish()).text).toBe("");
    current.accept(speech(100));
    recognizer.close();
    // The fake throws where libvosk would crash on freed memory.
    expect(current.accept(speech(100))).toEqual({});
    expect((await current.finish()).text).toBe("");
    expect(() => recognizer.start()).toThrow(RecognizerUnavailable);
  });
});

describe("the conversation loop, with one endpointer for every engine", () => {
  /** Runs the loop on audio; returns what was said and the turns the skill took. */
  async function converse(audio: readonly Int16Array[], finalResults: readonly string[], partial?: string) {
    // libvosk's endpoint fires on long silence too: here on every call, which must change nothing.
    const lib = fakeVosk({ acceptStates: Array(10_000).fill(1), finalResults, partial });
    // Every sample the recognizer is given, in all its utterances.
    let accepted = 0;
    const acceptWaveform = lib.acceptWaveform;
    lib.acceptWaveform = (handle, pcm) => {
      accepted += pcm.length;
      return acceptWaveform(handle, pcm);
    };
    const recognizer = new VoskRecognizer({
      modelPath: modelFolder(`loop-${Math.random()}`),
      sentences,
      library: lib,
    });
    const said: string[] = [];
    const turns: Turn[] = [];
    const timings: TurnTiming[] = [];
    const conversation = runtime.conversation();
    let heardMs = 0;
    let thinkingAtMs: number | undefined;
    const loop = new VoiceLoop({
      recognizer,
      conversation,
      io: {
        aloud: false,
        say: async (text, turn, timing) => {
          said.push(text);
          if (turn) turns.push(turn);
          if (timing) timings.push(timing);
        },
        thinking: () => {
          thinkingAtMs ??= heardMs;
        },
        listening: () => startListening(),
      },
    });
    let startListening: () => void = () => undefined;
    const listening = new Promise<void>((resolve) => {
      startListening = resolve;
    });
    loop.begin();
    // Audio from when the welcome is over, as a person answers it.
    await listening;
    for (const chunk of audio) {
      // 100 ms at a time, so the moment the turn ends is known to the step; and, as from a microphone,
      // not all at once: what the loop asked of the recognizer meanwhile is answered between them.
      for (let offset = 0; offset < chunk.length; offset += 1600) {
        loop.hear(chunk.subarray(offset, offset + 1600));
        heardMs += Math.min(1600, chunk.length - offset) / 16;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const outcome = await Promise.race([
      loop.finished.then(() => "finished"),
      new Promise((resolve) => setTimeout(() => resolve("still listening"), 200)),
    ]);
    loop.stop();
    recognizer.close();
    return { said, turns, timings, thinkingAtMs, outcome, ended: conversation.ended, lib, accepted };
  }

  it("ends the turn after a short silence when the words so far, read at the pause, are one of the skill's questions", async () => {
    // The live words lack the last one, as a first guess often does; the reading at the pause has it.
    const complete = await converse(
      [speech(800), second(1000)],
      ['{"text": "who directed her"}'],
      '{"partial": "who directed"}',
    );
    expect(complete.timings[0]).toMatchObject({ complete: true });
    expect(complete.timings[0]?.endpointMs).toBeGreaterThanOrEqual(COMPLETE_QUESTION_SILENCE_MS);
    expect(complete.timings[0]?.endpointMs).toBeLessThan(COMPLETE_QUESTION_SILENCE_MS + 100);
    expect(complete.turns.map((turn) => intentOf(turn.resolution))).toEqual([
      "LaunchRequest",
      "OverviewIntent",
    ]);
    const unfinished = await converse(
      [speech(800), second(1000)],
      ['{"text": "who directed"}', '{"text": "who directed her"}'],
      '{"partial": "who directed"}',
    );
    expect(unfinished.timings[0]).toMatchObject({ complete: false });
    expect(unfinished.timings[0]?.endpointMs).toBeGreaterThanOrEqual(700);
    // The pause lasted: the reading taken at its start is the turn's, not read a second time.
    expect(unfinished.lib.calls.filter((call) => call === "final_result")).toHaveLength(1);
    // The same audio: the complete question was answered 300 ms of silence sooner (and more, but the
    // reading at the pause is answered between two steps of audio here).
    expect((unfinished.thinkingAtMs ?? 0) - (complete.thinkingAtMs ?? 0)).toBeGreaterThanOrEqual(300);
  });

  it("reads the whole turn again when speech resumes after a pause read early", async () => {
    const { turns, timings, accepted } = await converse(
      [speech(800), second(400), speech(600), second(1000)],
      ['{"text": "who"}', '{"text": "where was her filmed"}'],
      '{"partial": "who"}',
    );
    expect(turns.map((turn) => intentOf(turn.resolution))).toEqual([
      "LaunchRequest",
      "FilmingLocationIntent",
    ]);
    expect(timings[0]).toMatchObject({ complete: true });
    // All the audio once, and the words before the pause again in the second utterance.
    expect(accepted).toBeGreaterThanOrEqual(16 * (800 + 400 + 600 + 1000 + 800));
  });

  it("reads again only the last second before the speech, not the whole wait for it", async () => {
    const { turns, accepted } = await converse(
      [second(5000), speech(800), second(400), speech(600), second(1000)],
      ['{"text": "who"}', '{"text": "where was her filmed"}'],
      '{"partial": "who"}',
    );
    expect(turns.map((turn) => intentOf(turn.resolution))).toEqual([
      "LaunchRequest",
      "FilmingLocationIntent",
    ]);
    // Everything once (7.8 s), then a second before the speech and the words and pause after it again.
    const heard = 5000 + 800 + 400 + 600 + 1000;
    expect(accepted).toBeGreaterThanOrEqual(16 * (heard + 1800));
    expect(accepted).toBeLessThanOrEqual(16 * (heard + 2600));
  });

  it("answers a question when the endpointer hears its trailing silence", async () => {
    const { turns } = await converse([speech(800), second(1000)], ['{"text": "where was her filmed"}']);
    expect(turns.map((turn) => intentOf(turn.resolution))).toEqual([
      "LaunchRequest",
      "FilmingLocationIntent",
    ]);
  });

  it("treats silence as silence: the reprompt, then the end, never Fallback", async () => {
    const { said, turns, outcome, ended } = await converse([second(SILENCE_MS * 2 + 1000)], []);
    expect(turns.map((turn) => intentOf(turn.resolution))).toEqual(["LaunchRequest"]);
    expect(said).toHaveLength(2);
    expect(said[1]).toBe(turns[0]?.reprompt);
    expect(outcome).toBe("finished");
    expect(ended).toBe(true);
  });

  it("treats an utterance heard as nothing like silence, not as Fallback", async () => {
    const { turns, said } = await converse([speech(500), second(1000)], ['{"text": ""}']);
    expect(turns.map((turn) => intentOf(turn.resolution))).toEqual(["LaunchRequest"]);
    expect(said).toHaveLength(2);
  });
});

describe("the real libvosk", () => {
  it("is found in the vosk package for each platform it ships", () => {
    expect(libvoskPath("/p", "linux", "x64")).toMatch(/linux-x86_64.libvosk\.so$/);
    expect(libvoskPath("/p", "darwin", "arm64")).toMatch(/osx-universal.libvosk\.dylib$/);
    expect(libvoskPath("/p", "win32", "x64")).toMatch(/win-x86_64.libvosk\.dll$/);
    expect(libvoskPath("/p", "linux", "arm64")).toBeUndefined();
  });

  const canLoad = process.platform === "linux" && process.arch === "x64";
  it.skipIf(!canLoad)(
    "loads without compiling anything, and returns NULL for a folder that is not a model",
    () => {
      const lib = loadVoskLibrary();
      lib.setLogLevel(-1);
      expect(lib.modelNew(scratch)).toBeNull();
    },
  );

  it.skipIf(!canLoad)("says clearly when a model folder is broken, with no crash", () => {
    const broken = modelFolder("broken");
    writeFileSync(join(broken, "am", "final.mdl"), "not a model");
    expect(() =>
      createRecognizer(interactionModelFor("en-US"), { engine: "vosk", voskModel: broken }),
    ).toThrow(/Vosk could not load the model in .*broken/);
    expect(() =>
      createRecognizer(interactionModelFor("en-US"), { engine: "vosk", voskModel: join(scratch, "none") }),
    ).toThrow(/no Vosk model in .*none.*models download/);
  });

  const modelPath = process.env.VOSK_MODEL;
  it.skipIf(!modelPath)(
    `recognizes the skill's questions with a real model (${modelPath ? `VOSK_MODEL=${modelPath}` : "skipped: set VOSK_MODEL to a downloaded model folder to run"})`,
    async () => {
      const recognizer = createRecognizer(interactionModelFor("en-US"), {
        engine: "vosk",
        voskModel: modelPath,
      });
      const transcript = await transcribe(
        recognizer,
        synthesize("who composed the music for her", "festival:cmu_us_slt_arctic_hts"),
      );
      recognizer.close();
      expect(transcript.text).toContain("music");
    },
  );
});
