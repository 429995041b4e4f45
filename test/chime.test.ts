import { describe, expect, it } from "vitest";
import { concatenated, SAMPLE_RATE } from "../local-runner/audio/wav.js";
import type { Recognizer } from "../local-runner/recognizers/types.js";
import { createRuntime } from "../local-runner/runtime.js";
import { chimeSamples, wavPlayerCommand } from "../local-runner/speech-out/chime.js";
import { synthesize } from "../local-runner/speech-out/synthesize.js";
import { VoiceLoop } from "../local-runner/voice-loop.js";
import { missingSpeechStack, withPocketSphinx } from "./support/pocketsphinx.js";

describe("the chime after the wake word", () => {
  /** Sign changes a second over `pcm`: twice the frequency of a pure tone. */
  const crossingsPerSecond = (pcm: Int16Array) => {
    let crossings = 0;
    for (let i = 1; i < pcm.length; i++)
      if ((pcm[i - 1] as number) < 0 !== (pcm[i] as number) < 0) crossings++;
    return (crossings * SAMPLE_RATE) / pcm.length;
  };

  it("is two rising notes, soft at the edges and well under speech", () => {
    const pcm = chimeSamples();
    expect(pcm.length / SAMPLE_RATE).toBeCloseTo(0.18, 2);
    const half = pcm.length / 2;
    const [first, second] = [pcm.subarray(0, half), pcm.subarray(half)];
    expect(crossingsPerSecond(first) / 2).toBeCloseTo(659, -1);
    expect(crossingsPerSecond(second) / 2).toBeCloseTo(880, -1);
    const peak = Math.max(...pcm.map(Math.abs));
    expect(20 * Math.log10(peak / 0x7fff)).toBeCloseTo(-18, 0);
    // No click: each note begins and ends at (almost) nothing.
    for (const at of [0, half - 1, half, pcm.length - 1])
      expect(Math.abs(pcm[at] as number)).toBeLessThan(100);
  });

  it("is played by each platform's own player, the path quoted where a shell reads it", () => {
    expect(wavPlayerCommand("/tmp/x/chime.wav", "darwin")).toEqual(["afplay", "/tmp/x/chime.wav"]);
    expect(wavPlayerCommand("/tmp/x/chime.wav", "linux")).toEqual(["aplay", "-q", "/tmp/x/chime.wav"]);
    const windows = wavPlayerCommand("C:\\Users\\O'Brien'; rm -r x; '\\chime.wav", "win32");
    expect(windows.slice(0, 4)).toEqual(["powershell", "-NoProfile", "-NonInteractive", "-Command"]);
    expect(windows[4]).toBe(
      "(New-Object Media.SoundPlayer 'C:\\Users\\O''Brien''; rm -r x; ''\\chime.wav').PlaySync()",
    );
  });
});

const missing = missingSpeechStack(["festival:cmu_us_slt_arctic_hts"]);
if (missing && process.env.CI) throw new Error(`CI runs the chime's conversation tests, but ${missing}`);
if (missing) console.warn(`the chime's conversation tests skipped: ${missing}`);

describe.skipIf(missing)("the conversation's chime", () => {
  let recognizer: Recognizer;
  withPocketSphinx((made) => {
    recognizer = made;
  });

  /** How many chimes the loop asks for when woken with `after`, the audio heard after the word. */
  const chimesWhenWoken = (after: Int16Array) => {
    let chimes = 0;
    const loop = new VoiceLoop({
      recognizer,
      conversation: createRuntime().conversation(),
      wake: { accept: () => undefined, listenAgain: () => undefined },
      io: { aloud: true, say: async () => undefined, chime: () => chimes++ },
    });
    loop.begin();
    loop.woken(after);
    loop.stop();
    return chimes;
  };
  const silence = (ms: number) => new Int16Array((SAMPLE_RATE * ms) / 1000);

  it("chimes when the wake word was said alone, and not over a question said in the same breath", () => {
    expect(chimesWhenWoken(silence(300))).toBe(1);
    expect(chimesWhenWoken(new Int16Array(0))).toBe(1);
    const question = concatenated([
      synthesize("who directed her", "festival:cmu_us_slt_arctic_hts"),
      silence(100),
    ]);
    expect(chimesWhenWoken(question)).toBe(0);
  });
});
