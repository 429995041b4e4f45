import { describe, expect, it } from "vitest";
import { concatenated, SAMPLE_RATE } from "../local-runner/audio/wav.js";
import { intentOf, type Turn } from "../local-runner/conversation.js";
import { type Recognizer, warmUp } from "../local-runner/recognizers/types.js";
import { createRuntime } from "../local-runner/runtime.js";
import { type SynthVoice, synthesize } from "../local-runner/speech-out/synthesize.js";
import { VoiceLoop } from "../local-runner/voice-loop.js";
import { NetworkWakeDetector, wakeModelFor } from "../local-runner/wake/network-detector.js";
import {
  confirmedBy,
  type Hearing,
  hearingOf,
  keyphrasesFor,
  meanFit,
  type Spot,
  UnknownWakeWord,
  verdictOnFit,
  WakeWordDetector,
  WORD_FITS,
  WORD_FITS_BADLY,
  wakeWordHeard,
} from "../local-runner/wake-word.js";
import { intentNameFor } from "../skill/faq/index.js";
import { missingSpeechStack, withPocketSphinx } from "./support/pocketsphinx.js";

describe("wake word: what the spotter listens for", () => {
  const CMU = "samantha S AH M AE N TH AH\ncomputer K AH M P Y UW T ER\nhey HH EY\n";

  it("listens for the word as the dictionary says it and as English speakers also say it", () => {
    const { dictionary, keyphrases } = keyphrasesFor("samantha", CMU);
    const said = new Map(
      dictionary
        .trim()
        .split("\n")
        .map((line) => [line.split(" ")[0], line.slice(line.indexOf(" ") + 1)]),
    );
    expect(said.get("samantha")).toBe("S AH M AE N TH AH");
    expect([...said.values()].sort()).toEqual(
      ["S AH M AE N TH AH", "S AE M AE N TH AH", "S AH M AA N TH AH", "S AH M AE N T AH"].sort(),
    );
    // Every pronunciation is a keyphrase of its own, with its threshold.
    expect(
      keyphrases
        .trim()
        .split("\n")
        .map((line) => line.split(" /")[0])
        .sort(),
    ).toEqual([...said.keys()].sort());
    expect(keyphrases).toMatch(/^samantha \/1e-\d+\/$/m);
  });

  it("listens for a phrase with each of its words said each way, the others as the dictionary says them", () => {
    const { keyphrases } = keyphrasesFor("hey computer", CMU);
    expect(
      keyphrases
        .trim()
        .split("\n")
        .map((line) => line.split(" /")[0]),
    ).toEqual(["hey computer", "hey computer_2"]);
  });

  it("has nothing to listen for when a word is not in the dictionary", () => {
    expect(keyphrasesFor("hey zxqvbn", CMU).keyphrases).toBe("");
  });

  const reading = (text: string, source: "open" | "domain", confidence: number) => ({
    text,
    source,
    score: 0,
    confidence,
  });

  it("wakes when the open reading names the word, or the skill's reading does with high confidence", () => {
    expect(wakeWordHeard([reading("samantha who directed her", "open", 0.3)])).toBe(true);
    expect(wakeWordHeard([reading("who plays samantha", "domain", 0.6)])).toBe(false);
    expect(wakeWordHeard([reading("who plays samantha", "domain", 0.95)])).toBe(true);
    expect(wakeWordHeard([reading("samanthas", "open", 0.9)])).toBe(false);
    expect(wakeWordHeard([reading("computer", "open", 0.9)], "computer")).toBe(true);
  });

  it("tells the word from other words clearly heard, and is unsure of the rest", () => {
    expect(hearingOf([reading("samantha who directed her", "open", 0.3)])).toBe("the word");
    // Other words read confidently, the name in no reading.
    expect(hearingOf([reading("romantic draw", "open", 0.78), reading("romantic her", "domain", 0.81)])).toBe(
      "other words",
    );
    // The name in a doubtful reading of the skill's sentences; other words read with little confidence; or
    // only the skill's sentences read.
    expect(hearingOf([reading("tell him is that", "open", 0.65), reading("samantha", "domain", 0.82)])).toBe(
      "unsure",
    );
    expect(hearingOf([reading("vitamin is that you", "open", 0.54)])).toBe("unsure");
    expect(hearingOf([reading("what about who", "domain", 0.78)])).toBe("unsure");
  });

  it("wakes on a word that fits well without asking, asks about one in doubt, and ignores one that fits badly", () => {
    expect(verdictOnFit(WORD_FITS)).toBe("wake");
    expect(verdictOnFit(WORD_FITS - 1)).toBe("ask");
    expect(verdictOnFit(WORD_FITS_BADLY)).toBe("ask");
    expect(verdictOnFit(WORD_FITS_BADLY - 1)).toBe("ignore");
    expect(verdictOnFit(Number.NEGATIVE_INFINITY)).toBe("ignore");
  });

  it("judges a word by both clips: one that fits as heard but not once cleaned is put to the recognizer, one either judge cannot find is ignored", () => {
    expect(verdictOnFit(meanFit(WORD_FITS + 2, WORD_FITS - 2))).toBe("wake");
    expect(verdictOnFit(meanFit(WORD_FITS + 3, WORD_FITS - 8))).toBe("ask");
    expect(verdictOnFit(meanFit(-10, Number.NEGATIVE_INFINITY))).toBe("ignore");
    expect(verdictOnFit(meanFit(Number.NEGATIVE_INFINITY, -10))).toBe("ignore");
  });
});

/** PocketSphinx's English model and the synthesizers, from apt (.ci/run); never skipped in CI. */
const missing = missingSpeechStack(["flite:slt", "festival:cmu_us_slt_arctic_hts"]);
if (missing && process.env.CI) throw new Error(`CI runs the wake word tests, but ${missing}`);
if (missing) console.warn(`wake word tests skipped: ${missing}`);
const onAudio = missing ? describe.skip : describe;

const CHUNK = SAMPLE_RATE / 10;
const silence = (ms: number) => new Int16Array((ms * SAMPLE_RATE) / 1000);
const joined = (...parts: Int16Array[]) => concatenated(parts);

/** Something else said first, as in a room: the spotter has heard the voice before the word. */
const OTHER_TALK = "The weather today is mild, with a light breeze from the west.";

onAudio("wake word: the spotter and its confirmation", () => {
  let recognizer: Recognizer;
  withPocketSphinx((made) => {
    recognizer = made;
  });

  /** The wakes heard in `audio`, fed at file speed, each with the length of audio after the word (ms). */
  async function wakes(audio: Int16Array, wakeWord?: string): Promise<number[]> {
    const detector = new WakeWordDetector({ wakeWord, confirm: confirmedBy(recognizer, wakeWord) });
    const after: number[] = [];
    detector.onWake((wake) => {
      after.push((wake.after.length * 1000) / SAMPLE_RATE);
      detector.listenAgain();
    });
    await detector.ready();
    for (let offset = 0; offset < audio.length; offset += CHUNK) {
      detector.accept(audio.subarray(offset, offset + CHUNK));
      await detector.searched();
    }
    detector.close();
    return after;
  }

  it.each<SynthVoice>(["festival:cmu_us_slt_arctic_hts", "flite:awb"])(
    'wakes once on "Samantha" said by %s, and hands over what followed the word',
    async (voice) => {
      const audio = joined(
        synthesize(OTHER_TALK, "flite:kal"),
        silence(400),
        synthesize("Samantha.", voice),
        silence(1000),
      );
      const after = await wakes(audio);
      expect(after).toHaveLength(1);
      // Reported a little after the word's end: what came after it is short, never the word itself.
      expect(after[0]).toBeLessThan(600);
    },
    60_000,
  );

  it("does not wake on other talk, even about the film", async () => {
    const talk = joined(
      synthesize(
        "Her is a 2013 film directed by Spike Jonze. It follows a lonely man named Theodore.",
        "flite:slt",
      ),
      silence(300),
      synthesize(
        "The licenses for most software are designed to take away your freedom to share and change it.",
        "flite:rms",
      ),
    );
    expect(await wakes(talk)).toEqual([]);
  }, 60_000);

  /**
   * Feeds `audio` to a detector whose second opinion is always `hearing`: how often it woke, every word it
   * spotted and whether it woke, and the words it asked about.
   */
  async function withOpinion(hearing: Hearing, audio: Int16Array) {
    const asked: Spot[] = [];
    const spotted: Array<{ spot: Spot; woke: boolean }> = [];
    const detector = new WakeWordDetector({
      confirm: async (_audio, spot) => {
        asked.push(spot);
        return hearing;
      },
      observe: (spot, woke) => spotted.push({ spot, woke }),
    });
    let woke = 0;
    detector.onWake(() => {
      woke++;
      detector.listenAgain();
    });
    await detector.ready();
    for (let offset = 0; offset < audio.length; offset += CHUNK) {
      detector.accept(audio.subarray(offset, offset + CHUNK));
      await detector.searched();
    }
    detector.close();
    return { woke, spotted, asked };
  }

  it("wakes on a clearly said word by its fit alone, and asks the recognizer only about words in doubt", async () => {
    const audio = joined(
      synthesize(OTHER_TALK, "flite:kal"),
      silence(400),
      synthesize("Samantha.", "festival:cmu_us_slt_arctic_hts"),
      silence(1000),
    );
    // Never sure: neither the word nor other words.
    const { woke, spotted, asked } = await withOpinion("unsure", audio);
    // The second opinion never heard the word, yet it woke: it fit well enough, and no other words were heard.
    expect(woke).toBe(1);
    const wake = spotted.find((candidate) => candidate.woke);
    expect(wake?.spot.fitPerFrame).toBeGreaterThanOrEqual(WORD_FITS);
    // Whatever else was spotted was asked about only when its fit left it in doubt; words that fit badly
    // were never read.
    for (const spot of asked) expect(verdictOnFit(spot.fitPerFrame)).not.toBe("ignore");
    expect(
      spotted.filter(({ woke }) => !woke).every(({ spot }) => verdictOnFit(spot.fitPerFrame) !== "wake"),
    ).toBe(true);
  }, 60_000);

  it("does not wake on a word that fits well when the recognizer clearly heard other words there", async () => {
    const audio = joined(
      silence(400),
      synthesize("Samantha.", "festival:cmu_us_slt_arctic_hts"),
      silence(1000),
    );
    const { woke, spotted } = await withOpinion("other words", audio);
    // The word was spotted and fit well enough to wake by its fit, yet the recognizer's reading turned it down.
    expect(spotted.some(({ spot }) => verdictOnFit(spot.fitPerFrame) === "wake")).toBe(true);
    expect(woke).toBe(0);
  }, 60_000);

  it("--wake-word listens for another word, and not for Samantha", async () => {
    const audio = joined(
      synthesize(OTHER_TALK, "flite:kal"),
      silence(400),
      synthesize("Samantha.", "festival:cmu_us_slt_arctic_hts"),
      silence(800),
      synthesize("Computer.", "festival:cmu_us_slt_arctic_hts"),
      silence(1000),
    );
    expect(await wakes(audio, "computer")).toHaveLength(1);
  }, 60_000);

  it("says when a wake word cannot be listened for", () => {
    expect(() => new WakeWordDetector({ wakeWord: "zxqvbn" })).toThrow(UnknownWakeWord);
    expect(() => new WakeWordDetector({ wakeWord: "zxqvbn" })).toThrow(/pick another --wake-word/);
  });
});

onAudio("wake word: listen --wake's conversation", () => {
  let recognizer: Recognizer;
  withPocketSphinx((made) => {
    recognizer = made;
  });

  // listen --wake hears "samantha" with the trained network, and any other word with the keyphrase spotter.
  const detectors = {
    network: () => {
      const model = wakeModelFor("samantha");
      if (!model) throw new Error("the shipped wake-word network is missing: npm run train:wake");
      return new NetworkWakeDetector({ model, warm: (audio) => warmUp(recognizer, audio) });
    },
    spotter: () => new WakeWordDetector({ confirm: confirmedBy(recognizer) }),
  };

  it.each(Object.keys(detectors) as (keyof typeof detectors)[])(
    "with the %s: answers the question in the same breath, takes a follow-up without the word, then waits for it again",
    async (kind) => {
      const voice: SynthVoice = "festival:cmu_us_slt_arctic_hts";
      const detector = detectors[kind]();
      await detector.ready();
      const turns: Turn[] = [];
      const states: string[] = [];
      const loop = new VoiceLoop({
        recognizer,
        conversation: createRuntime().conversation(),
        wake: detector,
        silenceMs: 3000,
        io: {
          aloud: false,
          say: async (_speech, turn) => void (turn && turns.push(turn)),
          waiting: () => states.push("waiting"),
          woken: () => states.push("woken"),
        },
      });
      detector.onWake((wake) => loop.woken(wake.after));
      loop.begin();
      const audio = joined(
        synthesize(OTHER_TALK, "flite:kal"),
        silence(400),
        synthesize("Samantha, who directed her?", voice),
        silence(1000),
        synthesize("Who composed the music?", voice),
        // Silence: the reprompt, then the session ends and the word is awaited again.
        silence(7000),
        synthesize("Who directed her?", voice),
        silence(1500),
      );
      for (let offset = 0; offset < audio.length; offset += CHUNK) {
        loop.hear(audio.subarray(offset, offset + CHUNK));
        await detector.searched();
        await new Promise((done) => setTimeout(done, 2));
      }
      // The loop reads and answers behind the audio on a busy machine: it is given time to wind up (the session
      // ending after the silence), however long its turn takes.
      for (let waited = 0; states.length < 3 && waited < 200; waited++)
        await new Promise((done) => setTimeout(done, 50));
      loop.stop();
      detector.close();
      const intents = turns
        .filter((turn) => turn.utterance !== undefined)
        .map((turn) => intentOf(turn.resolution));
      expect(intents.slice(0, 2)).toEqual([intentNameFor("overview"), intentNameFor("music")]);
      // The question said after the session ended, without the word, was not answered.
      expect(intents).toHaveLength(2);
      expect(states).toEqual(["waiting", "woken", "waiting"]);
    },
    120_000,
  );
});
