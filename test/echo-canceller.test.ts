import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  EchoCancelledMicrophone,
  EchoCanceller,
  EchoCancellerUnavailable,
  PlaybackReference,
  speexLibrary,
} from "../local-runner/audio/echo-canceller.js";
import { atSpeechLevel, erleDb, mix, roomEcho } from "../local-runner/audio/loopback.js";
import { synthesize } from "../local-runner/speech-out/synthesize.js";
import { faq } from "../skill/faq/index.js";
import { speexMissing } from "./support/speex.js";

/** libspeexdsp and a synthesizer, from apt (.ci/run); only a missing package skips, and never in CI. */
function missingPackages(): string | undefined {
  const speex = speexMissing();
  if (speex) return speex;
  if (spawnSync("flite", ["--version"]).error)
    return "flite is not installed (see .ci/run for the apt packages)";
  return undefined;
}
const missing = missingPackages();
if (missing && process.env.CI) throw new Error(`CI runs the echo canceller's tests, but ${missing}`);
if (missing) console.warn(`echo canceller tests skipped: ${missing}`);
const withSpeex = missing ? describe.skip : describe;

/** Runs the canceller over a whole recording in microphone-sized chunks. */
function cancelled(canceller: EchoCanceller, mic: Int16Array, played: Int16Array): Int16Array {
  const out = new Int16Array(mic.length);
  let at = 0;
  for (let offset = 0; offset < mic.length; offset += 512) {
    const cleaned = canceller.process(
      mic.subarray(offset, offset + 512),
      played.subarray(offset, offset + 512),
    );
    out.set(cleaned, at);
    at += cleaned.length;
  }
  return out;
}

describe("the echo canceller where it cannot run", () => {
  it("says what to install when libspeexdsp is missing, and that macOS and Windows have none", () => {
    expect(() => speexLibrary("linux", "libspeexdsp-not-here.so.1")).toThrow(
      /not installed.*sudo apt-get install libspeexdsp1/,
    );
    expect(() => speexLibrary("darwin")).toThrow(EchoCancellerUnavailable);
    expect(() => speexLibrary("win32")).toThrow(/no echo canceller on win32/);
  });
});

withSpeex("speexdsp's echo canceller on a spoken answer played back into the microphone", () => {
  const answer = faq[0]?.answer ?? "";
  const played = synthesize(answer, "flite:slt");

  it("takes the answer's echo well down, through a room's delay and reflections", () => {
    const echo = roomEcho(played, { levelDb: -15, delayMs: 30, reverbMs: 150 });
    const canceller = new EchoCanceller();
    const residual = cancelled(canceller, mix(played.length, echo), played);
    canceller.close();
    // Measured in docs/voice.md: about 20 dB over a whole answer from a cold start, more once it has learnt.
    expect(erleDb(echo, residual)).toBeGreaterThan(12);
    const lastHalf = Math.floor(played.length / 2);
    expect(erleDb(echo.subarray(lastHalf), residual.subarray(lastHalf))).toBeGreaterThan(20);
  });

  it("leaves the user's own words loud while it takes the echo out", () => {
    const echo = roomEcho(played, { levelDb: -15, delayMs: 30 });
    const stop = atSpeechLevel(synthesize("stop", "festival:kal_diphone"));
    const at = played.length - 3 * 16_000;
    const user = new Float64Array(played.length);
    user.set(stop.subarray(0, played.length - at), at);
    const canceller = new EchoCanceller();
    const cleaned = cancelled(canceller, mix(played.length, echo, user), played);
    canceller.close();
    const span = [at, at + stop.length] as const;
    // The user's "stop" comes through within 3 dB, the echo around it far below.
    expect(Math.abs(erleDb(user.subarray(...span), cleaned.subarray(...span)))).toBeLessThan(3);
  });

  it("lines the played samples up by their times, and passes the microphone unchanged when nothing plays", () => {
    const reference = new PlaybackReference();
    const microphone = new EchoCancelledMicrophone(new EchoCanceller(), reference);
    const quiet = Int16Array.from({ length: 512 }, (_, index) => (index % 7) * 100);
    expect(microphone.clean(quiet, 1000)).toBe(quiet);
    // Played from 2000 ms in 20 ms chunks, each reported 200 ms before it sounds, as the player does.
    let next = 0;
    const playedUntil = (ms: number) => {
      for (; next < played.length && 2000 + next / 16 < ms + 200; next += 320) {
        const samples = played.subarray(next, next + 320);
        microphone.played({ samples, sampleRate: 16_000, handedAt: 0, playsAt: 2000 + next / 16 });
      }
    };
    playedUntil(2000 + 1320 / 16);
    expect(reference.over(2000 + 1000 / 16, 320)).toEqual(played.subarray(1000, 1320));
    expect(
      reference
        .over(1990, 320)
        .subarray(0, 160)
        .every((sample) => sample === 0),
    ).toBe(true);
    // The microphone hears the echo 30 ms late; its chunks arrive when their last sample is captured.
    const echo = roomEcho(played, { levelDb: -15, delayMs: 30 });
    const mic = mix(played.length, echo);
    let heard = 0;
    const out: Int16Array[] = [];
    for (let offset = 0; offset < mic.length + 32_000; offset += 512) {
      const chunk = offset < mic.length ? mic.subarray(offset, offset + 512) : new Int16Array(512);
      const arrived = 2000 + (offset + chunk.length) / 16;
      playedUntil(arrived);
      out.push(microphone.clean(chunk, arrived));
      heard += chunk.length;
    }
    microphone.close();
    const cleaned = new Int16Array(out.reduce((sum, chunk) => sum + chunk.length, 0));
    let at = 0;
    for (const chunk of out) {
      cleaned.set(chunk, at);
      at += chunk.length;
    }
    // Every sample comes out once, whether cleaned or passed.
    expect(cleaned.length).toBe(heard);
    expect(erleDb(echo, cleaned.subarray(0, echo.length))).toBeGreaterThan(12);
  });

  it("keeps the echo down when the microphone's chunks arrive late by varying amounts, as through PulseAudio", () => {
    const microphone = new EchoCancelledMicrophone(new EchoCanceller());
    const start = 5000;
    let next = 0;
    const playedUntil = (ms: number) => {
      for (; next < played.length && start + next / 16 < ms + 200; next += 320)
        microphone.played({
          samples: played.subarray(next, next + 320),
          sampleRate: 16_000,
          handedAt: 0,
          playsAt: start + next / 16,
        });
    };
    const echo = roomEcho(played, { levelDb: -15, delayMs: 30 });
    const mic = mix(played.length, echo);
    // 20 ms chunks, each handed over 10 to 40 ms after its last sample was captured; now and then the
    // event loop is busy and two come at once, both when the later one does (bench:conversation saw both).
    let seed = 3;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const out: Int16Array[] = [];
    for (let offset = 0; offset < mic.length; ) {
      const length = random() < 0.1 ? 640 : 320;
      const chunk = mic.subarray(offset, offset + length);
      offset += chunk.length;
      const arrived = start + offset / 16 + 10 + 30 * random();
      playedUntil(arrived);
      out.push(microphone.clean(chunk, arrived));
    }
    microphone.close();
    const cleaned = new Int16Array(mic.length);
    let at = 0;
    for (const chunk of out) {
      cleaned.set(chunk.subarray(0, cleaned.length - at), at);
      at += chunk.length;
    }
    // As well as with steady arrivals: lined up by the microphone's own sample count, not each arrival.
    expect(erleDb(echo, cleaned)).toBeGreaterThan(12);
  });
});
