import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_RATE } from "../local-runner/audio/wav.js";
import { chimeSamples } from "../local-runner/speech-out/chime.js";
import { FestivalProcess, schemeString } from "../local-runner/speech-out/festival-process.js";
import { APLAY, type PlayedChunk } from "../local-runner/speech-out/pcm-player.js";
import { sanitizeForSpeech, sentencesOf } from "../local-runner/speech-out/sanitize.js";
import { SpeakerError } from "../local-runner/speech-out/speaker.js";
import { StreamingSpeaker } from "../local-runner/speech-out/streaming-speaker.js";
import { faq } from "../skill/faq/data.js";

function missingTools(): string | undefined {
  for (const [tool, args] of [
    ["festival", ["--version"]],
    ["flite", ["--version"]],
    ["aplay", ["--version"]],
  ] as const) {
    if (spawnSync(tool, args).error) return `${tool} is not installed (see .ci/run for the apt packages)`;
  }
  if (!existsSync("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts"))
    return "festival's voice cmu_us_slt_arctic_hts is not installed (apt-get install festvox-us-slt-hts)";
  return undefined;
}
const missing = missingTools();
if (missing) console.warn(`speaker tests skipped: ${missing}`);
const withTools = missing ? describe.skip : describe;

const VOICE = "cmu_us_slt_arctic_hts";
const answerOf = (id: string) => faq.find((entry) => entry.id === id)?.answer ?? "";

/** Root mean square level of 16-bit samples, 0 for silence and about 0.05 or more for speech. */
function level(pcm: Int16Array): number {
  let sum = 0;
  for (const sample of pcm) sum += (sample / 0x8000) ** 2;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

function joined(chunks: readonly PlayedChunk[]): Int16Array {
  const all = new Int16Array(chunks.reduce((sum, chunk) => sum + chunk.samples.length, 0));
  let offset = 0;
  for (const { samples } of chunks) {
    all.set(samples, offset);
    offset += samples.length;
  }
  return all;
}

describe("text handed to festival's Scheme", () => {
  it("escapes every quote and backslash, so the string cannot end early", () => {
    expect(schemeString('x") (system "touch owned") ("')).toBe('"x\\") (system \\"touch owned\\") (\\""');
    expect(schemeString("a\\")).toBe('"a\\\\"');
  });
});

withTools(
  `speaking through a synthesizer that stays running${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    let folder: string;
    let device: string;
    let oldConfig: string | undefined;

    /** What reached the audio device since the last call: the ALSA file device appends everything played. */
    let readFrom = 0;
    function played(): Int16Array {
      const bytes = existsSync(device) ? readFileSync(device) : Buffer.alloc(0);
      const fresh = bytes.subarray(readFrom);
      readFrom = bytes.length;
      return new Int16Array(fresh.buffer, fresh.byteOffset, Math.floor(fresh.length / 2));
    }

    beforeAll(() => {
      folder = mkdtempSync(join(tmpdir(), "her-faq-speaker-"));
      device = join(folder, "speaker.raw");
      const config = join(folder, "asound.conf");
      // The outermost boundary: the real aplay plays to a file instead of a sound card (CI has none). A pipe
      // to `cat >>` keeps what each player process wrote, where a plain file would start again for each one.
      writeFileSync(
        config,
        `pcm.!default { type file; slave.pcm { type null }; file "|cat >> ${device}"; format "raw" }\n`,
      );
      oldConfig = process.env.ALSA_CONFIG_PATH;
      process.env.ALSA_CONFIG_PATH = config;
    });

    afterAll(() => {
      if (oldConfig === undefined) delete process.env.ALSA_CONFIG_PATH;
      else process.env.ALSA_CONFIG_PATH = oldConfig;
      rmSync(folder, { recursive: true, force: true });
    });

    it("speaks a whole answer, and reports exactly the samples it played", async () => {
      const chunks: PlayedChunk[] = [];
      const speaker = new StreamingSpeaker({ voice: VOICE, onPlayed: (chunk) => chunks.push(chunk) });
      const answer = answerOf("release-date");
      const spoken = await speaker.speak(answer);
      await speaker.close();
      const audio = played();
      expect(spoken.stopped).toBe(false);
      expect(spoken.firstAudioMs).toBeGreaterThan(0);
      // Two sentences at a speaking pace, about 15 characters a second.
      expect(audio.length / SAMPLE_RATE).toBeGreaterThan(answer.length / 25);
      expect(level(audio)).toBeGreaterThan(0.02);
      // The reference an echo canceller needs: what the device got, sample for sample (aplay pads its last
      // period with silence).
      const reference = joined(chunks);
      expect(audio.subarray(0, reference.length)).toEqual(reference);
      expect(level(audio.subarray(reference.length))).toBe(0);
    });

    it("plays the chime through the same player, reported to the echo canceller like speech", async () => {
      const chunks: PlayedChunk[] = [];
      const speaker = new StreamingSpeaker({ voice: VOICE, onPlayed: (chunk) => chunks.push(chunk) });
      played();
      speaker.chime?.();
      await new Promise((done) => setTimeout(done, 400));
      await speaker.close();
      const chime = chimeSamples();
      expect(joined(chunks)).toEqual(chime);
      expect(played().subarray(0, chime.length)).toEqual(chime);
    });

    it("stops a long answer at once, drops its other sentences, and speaks the next answer", async () => {
      const chunks: PlayedChunk[] = [];
      const speaker = new StreamingSpeaker({ voice: VOICE, onPlayed: (chunk) => chunks.push(chunk) });
      const long = [answerOf("overview"), answerOf("uniqueness")].join(" ");
      const speaking = speaker.speak(long);
      while (chunks.length < 25) await new Promise((resolve) => setTimeout(resolve, 10));
      speaker.stop();
      const handedBeforeStop = chunks.length;
      const cut = await speaking;
      expect(cut.stopped).toBe(true);
      // Nothing more reaches the device after stop(): the first half second of seven sentences was all.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(chunks.length).toBe(handedBeforeStop);
      expect(joined(chunks).length / SAMPLE_RATE).toBeLessThan(1);

      const next = await speaker.speak(answerOf("runtime").split(". ")[0] ?? "");
      expect(next.stopped).toBe(false);
      await speaker.close();
      expect(joined(chunks).length / SAMPLE_RATE).toBeGreaterThan(1.5);
      expect(level(played())).toBeGreaterThan(0.02);
    });

    it.each([
      'x") (system "touch MARKER") ("',
      '\\") (system \\"touch MARKER\\") (\\"',
      "-h (quit) --version",
    ])("speaks hostile text %j as words, runs nothing, and goes on speaking", async (hostile) => {
      const marker = join(folder, "owned");
      const text = hostile.replaceAll("MARKER", marker);
      const speaker = new StreamingSpeaker({ voice: VOICE });
      expect((await speaker.speak(text)).stopped).toBe(false);
      expect((await speaker.speak("Her is 126 minutes long.")).stopped).toBe(false);
      await speaker.close();
      expect(existsSync(marker)).toBe(false);
      expect(level(played())).toBeGreaterThan(0.02);
    });

    it("keeps festival's Scheme closed even to text that was never sanitised", async () => {
      const marker = join(folder, "owned-raw");
      const festival = new FestivalProcess({ voice: VOICE });
      try {
        const pcm = await festival.synthesize(`x") (system "touch ${marker}") ("\\`);
        expect(existsSync(marker)).toBe(false);
        expect(pcm.length / SAMPLE_RATE).toBeGreaterThan(1);
        expect(level(pcm)).toBeGreaterThan(0.02);
      } finally {
        festival.close();
      }
    });

    it("speaks with flite's voices too, at 16 kHz", async () => {
      for (const voice of ["flite:slt", "flite:kal"]) {
        const speaker = new StreamingSpeaker({ voice });
        await speaker.speak("How long is the movie her?");
        await speaker.close();
        const seconds = played().length / SAMPLE_RATE;
        expect(seconds, voice).toBeGreaterThan(0.8);
        expect(seconds, voice).toBeLessThan(4);
      }
    });

    it("refuses a voice that is not installed, naming the ones that are", () => {
      expect(() => new StreamingSpeaker({ voice: "nosuch" })).toThrow(SpeakerError);
      expect(() => new StreamingSpeaker({ voice: "nosuch" })).toThrow(
        /there is no voice "nosuch"; festival has: .*cmu_us_slt_arctic_hts.*; flite has: .*flite:slt/,
      );
      expect(() => new StreamingSpeaker({ voice: "flite:nosuch" })).toThrow(
        /flite has no voice "nosuch"; it has: slt/,
      );
      expect(() => new StreamingSpeaker({ voice: "-o" })).toThrow(/there is no voice "-o"/);
    });

    it("says once that there is no audio device, and answers still come back", async () => {
      const reasons: string[] = [];
      const speaker = new StreamingSpeaker({
        voice: VOICE,
        player: [...APLAY.slice(0, -1), "-D", "nosuchdevice", "-"],
        onUnavailable: (reason) => reasons.push(reason),
      });
      await speaker.speak("Her is 126 minutes long.");
      await speaker.speak("It was released in 2013.");
      await speaker.close();
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/audio open error/);
    });

    it("starts festival again once when it dies, then says so clearly", async () => {
      const started: FestivalProcess[] = [];
      const reasons: string[] = [];
      const speaker = new StreamingSpeaker({
        synthesizer: () => {
          const festival = new FestivalProcess({ voice: VOICE });
          started.push(festival);
          return festival;
        },
        onUnavailable: (reason) => reasons.push(reason),
      });
      await speaker.speak("Hello.");
      process.kill(started[0]?.pid ?? 0, "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 100));
      played();
      expect((await speaker.speak("Her is 126 minutes long.")).stopped).toBe(false);
      expect(started).toHaveLength(2);
      expect(reasons).toEqual([]);

      process.kill(started[1]?.pid ?? 0, "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 100));
      await speaker.speak("It was released in 2013.");
      await speaker.close();
      expect(started).toHaveLength(2);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(
        /festival stopped \(SIGKILL\) again after a restart; start (npx )?her-faq listen again/,
      );
      expect(level(played())).toBeGreaterThan(0.02);
    });

    it("makes the answers' first sentences ahead while idle, and speaks them without making them again", async () => {
      const asked: string[] = [];
      const speaker = new StreamingSpeaker({
        synthesizer: () => {
          const festival = new FestivalProcess({ voice: VOICE });
          return {
            voice: festival.voice,
            synthesize: (sentence: string) => {
              asked.push(sentence);
              return festival.synthesize(sentence);
            },
            close: () => festival.close(),
          };
        },
      });
      const answer = answerOf("runtime");
      speaker.prepare([answer, answerOf("music")]);
      // Made one after another while nothing is said.
      for (let waited = 0; asked.length < 2 && waited < 20_000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const [first, second] = sentencesOf(sanitizeForSpeech(answer));
      expect(asked.slice(0, 2)).toEqual([first, sentencesOf(sanitizeForSpeech(answerOf("music")))[0]]);
      asked.length = 0;
      played();
      const spoken = await speaker.speak(answer);
      await speaker.close();
      // Only the sentences after the first were made now; the first was heard all the same.
      expect(asked[0]).toBe(second);
      expect(asked).not.toContain(first);
      expect(spoken.firstAudioMs).toBeDefined();
      expect(played().length / SAMPLE_RATE).toBeGreaterThan(3);
    });

    it("says how to install festival when it is missing", async () => {
      const path = process.env.PATH;
      process.env.PATH = "";
      let festival: FestivalProcess;
      try {
        festival = new FestivalProcess({ voice: VOICE });
      } finally {
        process.env.PATH = path;
      }
      await expect(festival.whenReady()).rejects.toThrow(
        /festival is not installed; install it with: sudo apt-get install festival festvox-us-slt-hts/,
      );
      festival.close();
    });
  },
);
