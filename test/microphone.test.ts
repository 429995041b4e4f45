/**
 * The microphone: the real PvRecorder fed by ALSA file devices (each capture in a child process with its own
 * ALSA config), arecord for alsa:NAME devices, choosing a device, each platform's advice, and a microphone
 * that goes away mid-stream (a recorder that fails, put where PvRecorder plugs in).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  chooseDevice,
  MicrophoneUnavailable,
  microphoneHelp,
  microphoneProblem,
  type Recorder,
  type RecorderLibrary,
  recorderMicrophone,
} from "../local-runner/audio/microphone.js";
import { describeMicrophones } from "../local-runner/commands/devices.js";
import { repoRoot } from "./paths.js";

const folder = mkdtempSync(join(tmpdir(), "her-faq-microphone-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A rising tone: no stretch of it repeats, so a shifted, dropped or repeated piece cannot pass for it. */
function chirp(samples: number, fromHz: number, toHz: number): Int16Array {
  const tone = new Int16Array(samples);
  let phase = 0;
  for (let i = 0; i < samples; i++) {
    phase += (2 * Math.PI * (fromHz + ((toHz - fromHz) * i) / samples)) / 16_000;
    tone[i] = Math.round(12_000 * Math.sin(phase + 0.5));
  }
  return tone;
}

/** Silence a device may put before the first sound (miniaudio's first period is empty): 64 ms at most. */
const LEAD_ALLOWED = 1024;

/** Where `heard` stops matching `spoken` after its leading silence (-1: sample for sample), and that silence. */
function compare(heard: Int16Array, spoken: Int16Array): { lead: number; firstDifference: number } {
  const lead = heard.findIndex((sample) => sample !== 0);
  for (let i = 0; i < spoken.length; i++)
    if (heard[lead + i] !== spoken[i]) return { lead, firstDifference: i };
  return { lead, firstDifference: -1 };
}

const readRaw = (file: string) => {
  const bytes = readFileSync(file);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
};

describe("what each platform's user is told to check", () => {
  it("on macOS: the terminal app's microphone access in Privacy & Security", () => {
    const help = microphoneHelp("darwin");
    expect(help).toContain("System Settings > Privacy & Security > Microphone");
    expect(help).toMatch(/terminal/);
    expect(help).not.toMatch(/alsamixer|desktop apps/);
  });

  it("on Windows: microphone privacy for desktop apps, and the default recording device", () => {
    const help = microphoneHelp("win32");
    expect(help).toContain("Settings > Privacy & security > Microphone");
    expect(help).toMatch(/Let desktop apps access your microphone/);
    expect(help).toMatch(/default recording device/);
    expect(help).not.toMatch(/alsamixer|System Settings/);
  });

  it("on Linux: arecord -l, alsamixer, and the PulseAudio or PipeWire default source", () => {
    const help = microphoneHelp("linux");
    expect(help).toMatch(/arecord -l/);
    expect(help).toMatch(/unmuted.*alsamixer/);
    expect(help).toMatch(/PulseAudio or PipeWire.*default source/);
    expect(help).not.toMatch(/Privacy/);
  });

  it("says what went wrong first, then that platform's fix, then how to go on by typing", () => {
    const error = microphoneProblem("no audio came from the microphone", "darwin");
    expect(error).toBeInstanceOf(MicrophoneUnavailable);
    expect(error.message).toMatch(
      /^no audio came from the microphone\. On macOS, allow microphone access .* Or type instead: (npx )?her-faq chat$/,
    );
  });
});

describe("choosing a microphone", () => {
  const inputs = ["MacBook Pro Microphone", "USB Audio Device", "USB Audio Device 2", "Studio Mic"];

  it("takes the default input when none is named", () => {
    for (const wanted of [undefined, "", "default", "-1"]) expect(chooseDevice(wanted, inputs)).toBe(-1);
  });

  it("takes an input by its number, or by any part of its name in any case", () => {
    expect(chooseDevice("3", inputs)).toBe(3);
    expect(chooseDevice("macbook", inputs)).toBe(0);
    expect(chooseDevice(" studio MIC ", inputs)).toBe(3);
  });

  it("prefers the input whose whole name matches when a part matches several", () => {
    expect(chooseDevice("usb audio device", inputs)).toBe(1);
  });

  it("names the choices when the name fits several, none, or the number is too high", () => {
    expect(() => chooseDevice("usb", inputs)).toThrow(/"usb" matches 2 microphones; give more of the name/);
    expect(() => chooseDevice("kitchen", inputs)).toThrow(MicrophoneUnavailable);
    expect(() => chooseDevice("kitchen", inputs)).toThrow(
      /no microphone is called "kitchen"\. Choose one by number or name .*\n {2}0 {2}MacBook Pro Microphone\n {2}1 {2}USB Audio Device\n/,
    );
    expect(() => chooseDevice("7", inputs)).toThrow(
      /there is no microphone number 7\. .*\n {2}3 {2}Studio Mic/s,
    );
    expect(() => chooseDevice("0", [])).toThrow(/No microphones are listed here .*leave out --device/);
  });

  it("lists the inputs for `devices`, or says there are none and what to check", () => {
    const listing = describeMicrophones(
      inputs.map((name, index) => ({ index, name })),
      "linux",
    );
    expect(listing).toMatch(/^Microphones:\n {2}0 {2}MacBook Pro Microphone\n/);
    expect(listing).toMatch(/e\.g\. (npx )?her-faq listen --device 0\n/);
    const none = describeMicrophones([], "win32");
    expect(none).toMatch(/^No microphones are listed\.\nOn Windows, .*Privacy & security/);
    expect(none).toMatch(/or type instead: (npx )?her-faq chat\n$/);
  });
});

/** A recorder shaped like PvRecorder that plays a script of frames and failures, then waits until stopped. */
class ScriptedRecorder implements Recorder {
  reads = 0;
  releases = 0;
  releasedDuringRead = false;
  private inFlight = false;
  private waiting: ((frame: Int16Array) => void) | undefined;
  constructor(private readonly script: (Int16Array | Error)[]) {}
  start(): void {}
  read(): Promise<Int16Array> {
    if (this.releases > 0) return Promise.reject(new Error("read after release"));
    this.reads++;
    this.inFlight = true;
    const next = this.script.shift();
    return new Promise((resolve, reject) => {
      const settle = (frame: Int16Array | Error) => {
        this.inFlight = false;
        if (frame instanceof Error) reject(frame);
        else resolve(frame);
      };
      // Like PvRecorder: a frame once one is captured; after stop(), an empty frame.
      if (next === undefined) this.waiting = settle;
      else setTimeout(() => settle(next), 1);
    });
  }
  stop(): void {
    // PvRecorder's read runs in a later tick, so a read waiting at stop() still touches the recorder after it.
    const waiting = this.waiting;
    this.waiting = undefined;
    setTimeout(() => waiting?.(new Int16Array(512)), 1);
  }
  release(): void {
    if (this.inFlight) this.releasedDuringRead = true;
    this.releases++;
  }
}

function libraryOf(recorder: Recorder, devices: string[] = []): RecorderLibrary & { opened: number[] } {
  const opened: number[] = [];
  return {
    opened,
    devices: () => devices,
    open(deviceIndex) {
      opened.push(deviceIndex);
      return recorder;
    },
  };
}

const sound = (fill: number) => new Int16Array(512).fill(fill);

describe("a microphone through PvRecorder's interface", () => {
  it("opens the input named by part of its name", async () => {
    const recorder = new ScriptedRecorder([sound(5)]);
    const library = libraryOf(recorder, ["Built-in", "Desk Microphone"]);
    const microphone = recorderMicrophone(library, { device: "desk" });
    await microphone.start(() => undefined);
    microphone.stop();
    expect(library.opened).toEqual([1]);
  });

  it("refuses an unknown input when started, opening nothing, and lists the inputs there are", async () => {
    const library = libraryOf(new ScriptedRecorder([]), ["Built-in", "Desk Microphone"]);
    await expect(recorderMicrophone(library, { device: "garage" }).start(() => undefined)).rejects.toThrow(
      /^no microphone is called "garage"\. .*\n {2}1 {2}Desk Microphone/s,
    );
    expect(library.opened).toEqual([]);
  });

  it("ends with one clear message when the microphone goes away mid-stream, and stops reading", async () => {
    const recorder = new ScriptedRecorder([sound(1), sound(2), sound(3), new Error("device unplugged")]);
    const chunks: Int16Array[] = [];
    const lost: MicrophoneUnavailable[] = [];
    const microphone = recorderMicrophone(libraryOf(recorder));
    await microphone.start(
      (chunk) => chunks.push(chunk),
      (error) => lost.push(error),
    );
    await expect.poll(() => recorder.releases).toBe(1);
    expect(chunks.map((chunk) => chunk[0])).toEqual([1, 2, 3]);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(MicrophoneUnavailable);
    expect(lost[0]?.message).toMatch(
      /^the microphone stopped sending audio \(device unplugged\); it may have been unplugged/,
    );
    expect(lost[0]?.message).toContain(microphoneHelp(process.platform));
    expect(recorder.reads).toBe(4);
    expect(recorder.releasedDuringRead).toBe(false);
  });

  it("lets go of the recorder only after a read in progress has returned", async () => {
    const recorder = new ScriptedRecorder([sound(9)]);
    const microphone = recorderMicrophone(libraryOf(recorder));
    await microphone.start(() => undefined);
    await expect.poll(() => recorder.reads).toBe(2);
    microphone.stop();
    await expect.poll(() => recorder.releases).toBe(1);
    expect(recorder.releasedDuringRead).toBe(false);
  });

  it("calls a microphone that sends only digital silence unavailable, as macOS does without permission", async () => {
    const recorder = new ScriptedRecorder(Array.from({ length: 400 }, () => sound(0)));
    const lost: MicrophoneUnavailable[] = [];
    const start = recorderMicrophone(libraryOf(recorder), { firstAudioTimeoutMs: 100 }).start(
      () => undefined,
      (error) => lost.push(error),
    );
    await expect(start).rejects.toThrow(
      /^no audio came from the microphone \(only digital silence for 0\.1 s/,
    );
    await expect.poll(() => recorder.releases).toBe(1);
    expect(lost).toEqual([]);
  });

  it("says the microphone could not be opened when the recorder cannot start", async () => {
    const library: RecorderLibrary = {
      devices: () => [],
      open: () => {
        throw new Error("the input device could not be opened");
      },
    };
    await expect(recorderMicrophone(library).start(() => undefined)).rejects.toThrow(
      /^the microphone could not be opened \(the input device could not be opened\)\. /,
    );
  });

  it("delivers nothing after stop(), and a stop before any sound is no failure", async () => {
    const recorder = new ScriptedRecorder([sound(0)]);
    const chunks: Int16Array[] = [];
    const microphone = recorderMicrophone(libraryOf(recorder));
    const start = microphone.start((chunk) => chunks.push(chunk));
    await expect.poll(() => recorder.reads).toBe(2);
    microphone.stop();
    await expect(start).resolves.toBeUndefined();
    await expect.poll(() => recorder.releases).toBe(1);
    expect(chunks).toHaveLength(1);
  });
});

/** Why the ALSA tests cannot run here, if they cannot (CI installs alsa-utils, so they run there). */
function missingAlsa(): string | undefined {
  if (process.platform !== "linux") return "ALSA file devices exist only on Linux";
  if (spawnSync("arecord", ["--version"]).error)
    return "arecord is not installed (apt-get install alsa-utils)";
  if (spawnSync("mkfifo", ["--version"]).error) return "mkfifo is not installed (coreutils)";
  return undefined;
}
const missing = missingAlsa();
if (missing) console.warn(`microphone tests on ALSA file devices skipped: ${missing}`);

const fixture = join(repoRoot, "test", "support", "microphone-capture.ts");
type CaptureEvent = {
  devices?: string[];
  started?: boolean;
  captured?: number;
  lost?: string;
  unavailable?: string;
};

/** The capture fixture in a process of its own, with ALSA reading `config`; its JSON events as they come. */
class CaptureProcess {
  readonly events: CaptureEvent[] = [];
  readonly exited: Promise<number | null>;
  stderr = "";
  private readonly child: ChildProcess;
  private changed: () => void = () => undefined;
  constructor(config: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, ["--import", "tsx", fixture, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ALSA_CONFIG_PATH: config, ...env },
    });
    this.child.stderr?.on("data", (data) => (this.stderr += data));
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      this.events.push(JSON.parse(line) as CaptureEvent);
      this.changed();
    });
    this.exited = new Promise((resolve) =>
      this.child.on("close", (code) => {
        resolve(code);
        this.changed();
      }),
    );
    running.push(this);
  }
  /** The first event carrying `key`; fails, showing what did happen, if none comes within the time. */
  async event(key: keyof CaptureEvent, timeoutMs = 15_000): Promise<CaptureEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((event) => key in event);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null)
        throw new Error(`no "${key}" event; events ${JSON.stringify(this.events)}; stderr ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.changed = resolve;
        setTimeout(resolve, 100);
      });
    }
  }
  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}
const running: CaptureProcess[] = [];
const speakers: FifoSpeaker[] = [];
afterEach(() => {
  for (const capture of running.splice(0)) capture.kill();
  for (const speaker of speakers.splice(0)) speaker.close();
});

/**
 * A named pipe an ALSA file device reads as its input: what is written is what the microphone hears, and
 * while it stays open with nothing written, the microphone hears nothing at all (as if its device went away).
 * The file device reads a plain file at once and then repeats stale audio, so a pipe is what paces it.
 */
class FifoSpeaker {
  private fd: number | undefined;
  constructor(readonly path: string) {
    expect(spawnSync("mkfifo", [path]).status).toBe(0);
    // Read-write, so opening never waits for the reader.
    this.fd = openSync(path, constants.O_RDWR);
    speakers.push(this);
  }
  /** Writes the words and a moment of silence after them, as a live microphone goes on sending. */
  async say(words: Int16Array): Promise<void> {
    const samples = new Int16Array(words.length + 1600);
    samples.set(words);
    for (let offset = 0; offset < samples.length; offset += 1600) {
      if (this.fd === undefined) return;
      writeSync(this.fd, samples.subarray(offset, offset + 1600));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  /** Lets the device go: a capture still waiting on it can then stop. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

interface FileDevice {
  readonly name?: string;
  readonly description?: string;
  readonly infile: string;
}

/** An ALSA config of file devices: `default` unless named, listed by PvRecorder when described. */
function alsaConfig(dir: string, devices: FileDevice[]): string {
  const config = join(dir, "asound.conf");
  const lines = devices.map(({ name, description, infile }) => {
    const hint = description ? ` hint { show on; description "${description}" }` : "";
    return `pcm.${name ?? "!default"} { type file; slave.pcm { type null }; file "/dev/null"; infile "${infile}"; format "raw";${hint} }`;
  });
  writeFileSync(config, `${lines.join("\n")}\n`);
  return config;
}

let testCount = 0;
const testFolder = () => {
  const dir = join(folder, String(++testCount));
  mkdirSync(dir);
  return dir;
};

describe.skipIf(missing)(
  `the real microphone on ALSA file devices${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    it("hears what is said into the default input, sample for sample", async () => {
      const dir = testFolder();
      const speaker = new FifoSpeaker(join(dir, "mic.fifo"));
      const config = alsaConfig(dir, [{ infile: speaker.path }]);
      const spoken = chirp(12_000, 200, 3000);
      const out = join(dir, "heard.raw");
      const capture = new CaptureProcess(config, [out, String(spoken.length + LEAD_ALLOWED)]);
      await speaker.say(spoken);
      await capture.event("captured");
      speaker.close();
      expect(await capture.exited, capture.stderr).toBe(0);
      expect(capture.events).toContainEqual({ started: true });
      const { lead, firstDifference } = compare(readRaw(out), spoken);
      expect(lead).toBeLessThan(LEAD_ALLOWED);
      expect(firstDifference).toBe(-1);
    });

    it("picks an input by part of its name or by its number, and hears that one", async () => {
      const dir = testFolder();
      const kitchen = new FifoSpeaker(join(dir, "kitchen.fifo"));
      const desk = new FifoSpeaker(join(dir, "desk.fifo"));
      const config = alsaConfig(dir, [
        { name: "kitchen", description: "Kitchen Microphone", infile: kitchen.path },
        { name: "desk", description: "Desk Microphone", infile: desk.path },
      ]);
      const kitchenWords = chirp(8000, 300, 2500);
      const deskWords = chirp(8000, 2500, 300);

      const byName = new CaptureProcess(config, [
        join(dir, "kitchen.raw"),
        String(8000 + LEAD_ALLOWED),
        "KITCHEN",
      ]);
      const { devices = [] } = await byName.event("devices");
      expect([...devices].sort()).toEqual(["Desk Microphone", "Kitchen Microphone"]);
      await Promise.all([kitchen.say(kitchenWords), byName.event("captured")]);
      kitchen.close();
      expect(await byName.exited, byName.stderr).toBe(0);
      expect(compare(readRaw(join(dir, "kitchen.raw")), kitchenWords).firstDifference).toBe(-1);

      const deskNumber = String(devices.indexOf("Desk Microphone"));
      const byNumber = new CaptureProcess(config, [
        join(dir, "desk.raw"),
        String(8000 + LEAD_ALLOWED),
        deskNumber,
      ]);
      await Promise.all([desk.say(deskWords), byNumber.event("captured")]);
      desk.close();
      expect(await byNumber.exited, byNumber.stderr).toBe(0);
      expect(compare(readRaw(join(dir, "desk.raw")), deskWords).firstDifference).toBe(-1);
    });

    it("refuses an input that does not exist, listing the ones that do", async () => {
      const dir = testFolder();
      const config = alsaConfig(dir, [
        { name: "kitchen", description: "Kitchen Microphone", infile: join(dir, "none.raw") },
      ]);
      const capture = new CaptureProcess(config, [join(dir, "out.raw"), "100", "garage"]);
      const { unavailable } = await capture.event("unavailable");
      expect(unavailable).toMatch(
        /^no microphone is called "garage"\. Choose one .*\n {2}0 {2}Kitchen Microphone/s,
      );
      expect(await capture.exited).toBe(0);
    });

    it("ends with a clear message, not a wait, when the microphone goes quiet mid-stream", async () => {
      const dir = testFolder();
      const speaker = new FifoSpeaker(join(dir, "mic.fifo"));
      // Named, so PvRecorder reads it: on Linux the default input is read through arecord.
      const config = alsaConfig(dir, [{ name: "mic", description: "Test Microphone", infile: speaker.path }]);
      const capture = new CaptureProcess(config, [
        join(dir, "out.raw"),
        "4000",
        "Test Microphone",
        "--keep-listening",
      ]);
      await speaker.say(chirp(4000, 200, 3000));
      await capture.event("captured");
      const heardLast = Date.now();
      const { lost } = await capture.event("lost", 10_000);
      expect(Date.now() - heardLast).toBeLessThan(5000);
      expect(lost).toMatch(
        /^the microphone stopped sending audio \(the input device sent nothing for a second\)/,
      );
      expect(lost).toContain(microphoneHelp("linux"));
      expect(lost).toMatch(/Or type instead: (npx )?her-faq chat$/);
      speaker.close();
      expect(await capture.exited, capture.stderr).toBe(0);
    });

    it("fails to start, saying what to check, when no audio comes at all", async () => {
      const dir = testFolder();
      const speaker = new FifoSpeaker(join(dir, "mic.fifo"));
      const named = [{ name: "mic", description: "Test Microphone", infile: speaker.path }];
      const capture = new CaptureProcess(alsaConfig(dir, named), [
        join(dir, "out.raw"),
        "100",
        "Test Microphone",
      ]);
      const { unavailable } = await capture.event("unavailable");
      expect(unavailable).toMatch(/^no audio came from the microphone \(the input device sent nothing/);
      expect(unavailable).toContain("arecord -l");
      speaker.close();
      expect(await capture.exited).toBe(0);
    });

    it("`her-faq devices` lists the inputs by number and name, or says there are none", () => {
      const dir = testFolder();
      const devicesCommand = (config: string) =>
        spawnSync(
          process.execPath,
          ["--import", "tsx", join(repoRoot, "local-runner", "cli.ts"), "devices"],
          {
            cwd: repoRoot,
            encoding: "utf8",
            env: { ...process.env, ALSA_CONFIG_PATH: config },
            timeout: 30_000,
          },
        );
      const listed = devicesCommand(
        alsaConfig(dir, [{ name: "usb", description: "USB Microphone", infile: join(dir, "none.raw") }]),
      );
      expect(listed.status, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/^Microphones:\n {2}0 {2}USB Microphone\n/);
      const none = devicesCommand(alsaConfig(testFolder(), [{ infile: join(dir, "none.raw") }]));
      expect(none.status).toBe(1);
      expect(none.stdout).toMatch(/^No microphones are listed\.\nOn Linux, check that `arecord -l`/);
    });

    describe("through arecord, for an ALSA device named alsa:NAME", () => {
      it("hears the device's recording from its first sample", async () => {
        const dir = testFolder();
        const spoken = chirp(12_000, 200, 3000);
        writeFileSync(join(dir, "spoken.raw"), spoken);
        const config = alsaConfig(dir, [{ name: "filemic", infile: join(dir, "spoken.raw") }]);
        const capture = new CaptureProcess(config, [join(dir, "heard.raw"), "12000", "alsa:filemic"]);
        await capture.event("captured");
        expect(await capture.exited, capture.stderr).toBe(0);
        expect(compare(readRaw(join(dir, "heard.raw")), spoken)).toEqual({ lead: 0, firstDifference: -1 });
      });

      it("says so, with Linux's fix, when the device cannot be opened", async () => {
        const dir = testFolder();
        const capture = new CaptureProcess(alsaConfig(dir, [{ infile: join(dir, "none.raw") }]), [
          join(dir, "out.raw"),
          "100",
          "alsa:nosuchdevice",
        ]);
        const { unavailable } = await capture.event("unavailable");
        expect(unavailable).toMatch(/^no audio came from the microphone \(.*Unknown PCM nosuchdevice\)/);
        expect(unavailable).toContain("alsamixer");
      });

      it("ends with a clear message when arecord ends mid-stream", async () => {
        const dir = testFolder();
        // An arecord that records a moment and then loses its device, as when a USB microphone is pulled out.
        const bin = join(dir, "bin");
        mkdirSync(bin);
        writeFileSync(join(dir, "spoken.raw"), chirp(4000, 200, 3000));
        writeFileSync(
          join(bin, "arecord"),
          `#!/bin/sh\ncat "${join(dir, "spoken.raw")}"\necho "arecord: pcm_read:2221: read error: No such device" >&2\nexit 1\n`,
        );
        chmodSync(join(bin, "arecord"), 0o755);
        const capture = new CaptureProcess(
          alsaConfig(dir, [{ infile: join(dir, "none.raw") }]),
          [join(dir, "out.raw"), "4000", "alsa:usbmic", "--keep-listening"],
          { PATH: `${bin}:${process.env.PATH}` },
        );
        await capture.event("captured");
        const { lost } = await capture.event("lost");
        expect(lost).toMatch(
          /^the microphone stopped sending audio \(arecord: pcm_read:2221: read error: No such device\)/,
        );
        expect(await capture.exited).toBe(0);
      });
    });
  },
);
