import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Children,
  loadEchoLoopback,
  MIC_SINK,
  missingTools,
  type PrivatePulse,
  playInto,
  Recording,
  sleep,
  startPulse,
} from "../bench/conversation-pulse.js";
import { erleDb } from "../local-runner/audio/loopback.js";
import { loadSystemEchoCanceller, type Pactl, pactlIn } from "../local-runner/audio/system-echo-canceller.js";
import { synthesize } from "../local-runner/speech-out/synthesize.js";
import { herFaq } from "./support/cli.js";

const INFO =
  "Server Name: pulseaudio\nDefault Sink: alsa_output.pci-0000_00_1f.3.analog-stereo\nDefault Source: alsa_input.pci-0000_00_1f.3.analog-stereo\n";

/** A sound server that answers as `answers` says, and the calls made to it. */
function server(answers: Partial<Record<string, ReturnType<Pactl>>> = {}) {
  const calls: string[][] = [];
  const run: Pactl = (args) => {
    calls.push([...args]);
    const [command = ""] = args;
    return (
      answers[command] ?? {
        status: 0,
        stdout: command === "info" ? INFO : command === "load-module" ? "27\n" : "",
        stderr: "",
      }
    );
  };
  return { calls, run };
}

describe("loading the sound server's echo canceller", () => {
  it("loads WebRTC's canceller over the default devices, its gain control off, and unloads it once", () => {
    const { calls, run } = server();
    const loaded = loadSystemEchoCanceller({}, run);
    if ("unavailable" in loaded) throw new Error(loaded.unavailable);
    expect(loaded.masters).toEqual({
      source: "alsa_input.pci-0000_00_1f.3.analog-stereo",
      sink: "alsa_output.pci-0000_00_1f.3.analog-stereo",
    });
    const load = calls.find((call) => call[0] === "load-module") ?? [];
    expect(load).toContain("aec_method=webrtc");
    expect(load).toContain("source_master=alsa_input.pci-0000_00_1f.3.analog-stereo");
    expect(load).toContain(`source_name=${loaded.source}`);
    expect(load).toContain(`sink_name=${loaded.sink}`);
    expect(load.join(" ")).toMatch(
      /aec_args="analog_gain_control=0 digital_gain_control=0 noise_suppression=0"/,
    );
    loaded.unload();
    loaded.unload();
    expect(calls.filter((call) => call[0] === "unload-module")).toEqual([["unload-module", "27"]]);
  });

  it("works over the devices PULSE_SOURCE and PULSE_SINK name, as PulseAudio's clients do", () => {
    const { run } = server();
    const loaded = loadSystemEchoCanceller({ PULSE_SOURCE: "usb_mic", PULSE_SINK: "headset" }, run);
    expect("masters" in loaded && loaded.masters).toEqual({ source: "usb_mic", sink: "headset" });
    if ("unload" in loaded) loaded.unload();
  });

  it.each([
    ["mic source_name=evil", "a space would add module arguments"],
    ['mic"', "a quote would end the value"],
  ])("refuses the device name %j (%s) and loads nothing", (name) => {
    const { calls, run } = server();
    const loaded = loadSystemEchoCanceller({ PULSE_SOURCE: name, PULSE_SINK: name }, run);
    expect(loaded).toHaveProperty("unavailable");
    expect(calls.some((call) => call[0] === "load-module")).toBe(false);
  });

  it("loads nothing when the server names no default microphone and none is asked for", () => {
    const { calls, run } = server({ info: { status: 0, stdout: "Server Name: pulseaudio\n", stderr: "" } });
    expect(loadSystemEchoCanceller({ PULSE_SOURCE: "" }, run)).toEqual({
      unavailable: 'the sound server names no usable default source ("")',
    });
    expect(calls.some((call) => call[0] === "load-module")).toBe(false);
  });

  it("says why when no server answers, or the server will not load the module", () => {
    const none = server({
      info: { status: 1, stdout: "", stderr: "Connection failure: Connection refused\n" },
    });
    expect(loadSystemEchoCanceller({}, none.run)).toEqual({
      unavailable:
        "no PulseAudio or PipeWire server answered (pactl info: Connection failure: Connection refused)",
    });
    const refused = server({
      "load-module": { status: 1, stdout: "", stderr: "Failure: Module initialization failed\n" },
    });
    expect(loadSystemEchoCanceller({}, refused.run)).toEqual({
      unavailable:
        "the sound server would not load its echo canceller (module-echo-cancel: Failure: Module initialization failed)",
    });
  });
});

describe("listen --echo-canceller system", () => {
  it("stops before the welcome, saying why and what to do, when no sound server answers", async () => {
    const server = process.env.PULSE_SERVER;
    process.env.PULSE_SERVER = "unix:/nonexistent/her-faq/native";
    try {
      const { stderr, code } = await herFaq([
        "listen",
        "--echo-canceller",
        "system",
        "--engine",
        "pocketsphinx",
      ]);
      expect(code).toBe(2);
      expect(stderr).toMatch(
        /the sound server's echo canceller cannot be used: (no PulseAudio or PipeWire server answered|.*pactl is not installed)/,
      );
      expect(stderr).toMatch(/Leave out --echo-canceller system to use speexdsp's\./);
    } finally {
      if (server === undefined) delete process.env.PULSE_SERVER;
      else process.env.PULSE_SERVER = server;
    }
  });

  it("refuses a canceller it does not know, naming the ones it does", async () => {
    const { stderr, code } = await herFaq(["listen", "--echo-canceller", "webrtc"]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/choose one of speexdsp, system/);
  });
});

const missing = missingTools();
if (missing && process.env.CI)
  throw new Error(`CI runs the sound server's echo canceller for real, but ${missing}`);
if (missing) console.warn(`the sound server's echo canceller is not tried for real: ${missing}`);
const withPulse = missing ? describe.skip : describe;

withPulse("the sound server's echo canceller in a real PulseAudio server", () => {
  const children = new Children();
  let pulse: PrivatePulse;

  beforeAll(async () => {
    pulse = await startPulse(children);
  }, 20_000);

  afterAll(async () => {
    await children.endAll();
    await pulse?.stop();
  });

  it("takes an answer's echo out of the microphone, lets the user's word through, and is gone once unloaded", async () => {
    const run = pactlIn(pulse.env);
    const canceller = loadSystemEchoCanceller(pulse.env);
    if ("unavailable" in canceller) throw new Error(canceller.unavailable);
    // The room: what the speaker plays comes back into the microphone 30 ms later, 11 dB down.
    const loopback = loadEchoLoopback(pulse, 30);
    loopback.setGainDb(-11);
    const heard = new Recording(children, pulse, `${MIC_SINK}.monitor`);
    const cleaned = new Recording(children, pulse, canceller.source);
    await sleep(500);
    const answer = synthesize(
      "Her is a 2013 American science-fiction romantic drama film directed by Spike Jonze. The film follows a lonely man named Theodore.",
      "flite:slt",
    );
    await playInto(children, pulse, canceller.sink, answer, 30_000);
    await sleep(500);
    const answerEnd = Math.min(heard.length, cleaned.length);
    const word = synthesize("Stop.", "flite:awb");
    await playInto(children, pulse, MIC_SINK, word, 10_000);
    await sleep(500);
    const length = Math.min(heard.length, cleaned.length);
    // The echo over the answer's last part (after the canceller's first second): at least 20 dB taken out.
    const from = Math.max(0, answerEnd - answer.length + 16_000);
    expect(erleDb(heard.pcm.slice(from, answerEnd), cleaned.pcm.slice(from, answerEnd))).toBeGreaterThan(20);
    // The user's word alone comes through as it was said, within 3 dB.
    const wordDb = erleDb(heard.pcm.slice(answerEnd, length), cleaned.pcm.slice(answerEnd, length));
    expect(Math.abs(wordDb)).toBeLessThan(3);
    loopback.unload();
    canceller.unload();
    expect(run(["list", "short", "modules"]).stdout).not.toMatch(/module-echo-cancel/);
  }, 60_000);
});
