import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atSpeechLevel } from "../local-runner/audio/loopback.js";
import { BargeInDetector, type HeardOverAnswer, type Interruption } from "../local-runner/barge-in.js";
import { heardOverLine } from "../local-runner/commands/listen.js";
import {
  KeyphraseSpotter,
  listFor,
  SPOT_THRESHOLD,
  type Spotted,
  type Spotter,
} from "../local-runner/recognizers/keyphrase-spotter.js";
import type { Recognizer, Transcript } from "../local-runner/recognizers/types.js";
import { synthesize } from "../local-runner/speech-out/synthesize.js";
import { missingSpeechStack } from "./support/pocketsphinx.js";

describe("keyphrase spotter: what it listens for", () => {
  const CMU = "stop S T AA P\nsamantha S AH M AE N TH AH\nsaying S EY IH NG\n";

  it("lists each phrase whose words the dictionary knows, with its threshold, and only their words", () => {
    const list = listFor(["stop", "samantha", "zorblax"], CMU);
    expect(list["spot.kws"]).toBe(`stop /${SPOT_THRESHOLD}/\nsamantha /${SPOT_THRESHOLD}/\n`);
    expect(list["spot.dict"]).toBe("stop S T AA P\nsamantha S AH M AE N TH AH\n");
  });

  it("leaves out a phrase any of whose words it does not know", () => {
    expect(listFor(["stop zorblax"], CMU)["spot.kws"]).toBe("");
  });
});

/** PocketSphinx's English model and the synthesizers, from apt (.ci/run); never skipped in CI. */
const missing = missingSpeechStack(["flite:awb", "festival:kal_diphone"]);
if (missing && process.env.CI) throw new Error(`CI runs the keyphrase spotter's tests, but ${missing}`);
if (missing) console.warn(`keyphrase spotter tests on audio skipped: ${missing}`);
const onAudio = missing ? describe.skip : describe;

/** Audio in 32 ms chunks, with half a second of silence after it, as the gate would pass it on. */
function* chunksOf(speech: Int16Array): Generator<Int16Array> {
  const padded = new Int16Array(speech.length + 8000);
  padded.set(speech);
  for (let offset = 0; offset < padded.length; offset += 512) yield padded.subarray(offset, offset + 512);
}

onAudio("keyphrase spotter: on speech", () => {
  let spotter: KeyphraseSpotter;
  beforeAll(async () => {
    spotter = new KeyphraseSpotter(["stop", "samantha", "zorblax"]);
    await spotter.ready();
  }, 30_000);
  afterAll(() => spotter?.close());

  const spot = async (text: string, voice: "flite:awb" | "festival:kal_diphone") => {
    const stream = spotter.start();
    for (const chunk of chunksOf(synthesize(text, voice))) stream.accept(chunk);
    const spotted = await stream.finish();
    // About as long as the word takes to say.
    if (spotted) expect(spotted.ms).toBeGreaterThan(text.length * 50);
    return spotted?.phrase;
  };

  it("listens only for the phrases it can", () => {
    expect(spotter.phrases).toEqual(["stop", "samantha"]);
  });

  it("spots the phrase said, one utterance after another", async () => {
    expect(await spot("stop", "flite:awb")).toBe("stop");
    expect(await spot("Samantha", "festival:kal_diphone")).toBe("samantha");
    expect(await spot("stop", "festival:kal_diphone")).toBe("stop");
  }, 30_000);

  it("spots nothing in silence", async () => {
    const stream = spotter.start();
    for (const chunk of chunksOf(new Int16Array(16_000))) stream.accept(chunk);
    expect(await stream.finish()).toBeUndefined();
  });
});

onAudio("barge-in: a spotted word interrupts only a short utterance that asks nothing", () => {
  /** The recognizer's reading of every utterance, and what the spotter spots in it. */
  async function heardOver(said: string, reading: string, spotted: Spotted | undefined) {
    return (await toldOver(said, reading, spotted)).heard;
  }

  /** What interrupted, and what the detector told of each utterance (listen --verbose prints it). */
  async function toldOver(said: string, reading: string, spotted: Spotted | undefined) {
    const recognizer: Recognizer = {
      name: "reads one thing",
      start: () => ({
        accept: () => ({}),
        finish: async (): Promise<Transcript> => ({
          text: reading,
          readings: [{ text: reading, source: "open", score: 0, confidence: 1 }],
        }),
      }),
      close: () => undefined,
    };
    const spotter: Spotter = { start: () => ({ accept: () => undefined, finish: async () => spotted }) };
    const heard: Interruption[] = [];
    const told: HeardOverAnswer[] = [];
    const detector = new BargeInDetector({
      recognizer,
      spotter,
      // As the skill does: "who directed her" is one of its questions, "shot" a paraphrase of "where was it shot".
      understood: (text) => (text === "who directed her" ? 1 : text.endsWith("shot") ? 0.5 : 0),
      onInterruption: (kind) => heard.push(kind),
      onHeard: (over) => told.push(over),
    });
    for (const chunk of chunksOf(Int16Array.from(atSpeechLevel(synthesize(said, "flite:awb")), Math.round)))
      detector.accept(chunk);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { heard, told };
  }

  it("takes a misread word the spotter heard as the command", async () => {
    expect(await heardOver("stop", "shot", { phrase: "stop", ms: 350 })).toEqual(["stop"]);
    // Read as two words the skill would take for a question: too short to be one said over an answer.
    expect(await heardOver("stop", "is shot", { phrase: "stop", ms: 350 })).toEqual(["stop"]);
    expect(await heardOver("Samantha", "so much", { phrase: "samantha", ms: 500 })).toEqual(["wake"]);
  });

  it("lets it go when the spotter heard nothing, or a reading asks a question", async () => {
    expect(await heardOver("stop", "shot", undefined)).toEqual([]);
    expect(await heardOver("stop", "who directed her", { phrase: "stop", ms: 350 })).toEqual([]);
  });

  it("lets it go when the word was spotted in too little audio to be one said", async () => {
    expect(await heardOver("stop", "shot", { phrase: "stop", ms: 150 })).toEqual([]);
  });

  it("lets it go in a long utterance, where a word only sounds like it", async () => {
    const spotted = { phrase: "stop", ms: 350 };
    expect(await heardOver("what is the thematic significance of the color red", "shot", spotted)).toEqual(
      [],
    );
  });

  it("tells what each utterance was read as and what came of it, as listen --verbose prints it", async () => {
    const cut = (await toldOver("stop", "shot", { phrase: "stop", ms: 350 })).told;
    expect(cut).toMatchObject([
      { readings: ["shot"], spotted: { phrase: "stop", ms: 350 }, interruption: "stop" },
    ]);
    expect(heardOverLine(cut[0] as HeardOverAnswer)).toMatch(
      /^over the answer \(\d+ ms\): "shot"; spotted "stop" \(350 ms\); stop, by the spotter$/,
    );
    const read = (await toldOver("stop", "stop", undefined)).told;
    expect(heardOverLine(read[0] as HeardOverAnswer)).toMatch(/: "stop"; stop, by the reading$/);
    const letGo = (await toldOver("stop", "who directed her", { phrase: "stop", ms: 350 })).told;
    expect(letGo).toHaveLength(1);
    expect(heardOverLine(letGo[0] as HeardOverAnswer)).toMatch(
      /: "who directed her"; spotted "stop" \(350 ms\); let go$/,
    );
    // A network's word let go says why.
    expect(heardOverLine({ ms: 600, readings: ["who stars"], networkLetGo: "speech went on" })).toBe(
      'over the answer (600 ms): "who stars"; let go (a network heard its word, but speech went on)',
    );
  });

  it("still takes the command the recognizer reads, spotted or not", async () => {
    expect(await heardOver("stop", "stop", undefined)).toEqual(["stop"]);
  });
});
