/**
 * The microphone on macOS, Windows and Linux: 16 kHz mono 16-bit chunks from the default input or a chosen one,
 * through PvRecorder's prebuilt library; on Linux also through arecord, for a named ALSA device
 * (`--device alsa:NAME`) or where that library cannot load. Every failure says what to do on this platform.
 */
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import type { PvRecorder } from "@picovoice/pvrecorder-node";
import { herFaq } from "../command-hint.js";
import { SAMPLE_RATE } from "./wav.js";

export class MicrophoneUnavailable extends Error {
  override readonly name = "MicrophoneUnavailable";
}

export interface Microphone {
  /**
   * Starts capture: resolves once audio flows, rejects with MicrophoneUnavailable if it cannot start. Then calls
   * onChunk with each chunk until stop(); if the device goes away mid-stream (read error, unplugged, capture
   * ends), calls onLost once with a MicrophoneUnavailable that says so, and stops.
   */
  start(onChunk: (chunk: Int16Array) => void, onLost?: (error: MicrophoneUnavailable) => void): Promise<void>;
  stop(): void;
}

export interface MicrophoneOptions {
  /**
   * Which input: a number or part of a name from `her-faq devices`, or on Linux `alsa:NAME` for an ALSA device
   * (arecord -D NAME). The default input when absent, "default" or -1.
   */
  readonly device?: string;
  /** How long to wait for sound (not digital silence) before calling the microphone missing. */
  readonly firstAudioTimeoutMs?: number;
}

/** 32 ms per read. */
const FRAME_SAMPLES = 512;
/** About 5 s of audio held while the caller is busy (a recognizer finishing an utterance) before any is lost. */
const BUFFERED_FRAMES = 150;
const FIRST_AUDIO_TIMEOUT_MS = 3000;
const ALSA_PREFIX = "alsa:";

/** What to check on each platform when no sound comes in; pure, so every platform's advice can be tested. */
export function microphoneHelp(platform: NodeJS.Platform): string {
  switch (platform) {
    case "darwin":
      return (
        "On macOS, allow microphone access for your terminal app in System Settings > Privacy & Security > " +
        "Microphone (then quit and reopen the terminal), and check the input in System Settings > Sound > Input."
      );
    case "win32":
      return (
        "On Windows, open Settings > Privacy & security > Microphone and turn on Microphone access and " +
        "Let desktop apps access your microphone; then check the default recording device in " +
        "Settings > System > Sound > Input."
      );
    case "linux":
      return (
        "On Linux, check that `arecord -l` lists a capture device and that it is unmuted and turned up in " +
        "alsamixer (F4 shows the capture controls); with PulseAudio or PipeWire, make it the default source " +
        "(pactl set-default-source NAME, or the Input Devices tab of pavucontrol)."
      );
    default:
      return "Check that a microphone is connected, switched on and not muted.";
  }
}

/** A MicrophoneUnavailable saying what went wrong, how to fix it on this platform, and how to go on without. */
export function microphoneProblem(
  reason: string,
  platform: NodeJS.Platform = process.platform,
): MicrophoneUnavailable {
  return new MicrophoneUnavailable(
    `${reason}. ${microphoneHelp(platform)} Or type instead: ${herFaq("chat")}`,
  );
}

/** The part of PvRecorder this module uses: the seam where a test puts a recorder that fails mid-stream. */
export interface Recorder {
  start(): void;
  read(): Promise<Int16Array>;
  stop(): void;
  release(): void;
}

export interface RecorderLibrary {
  /** Input names; a device's number is its place in this list. */
  devices(): string[];
  /** A recorder of 16 kHz mono frames from this input (-1: the default one). */
  open(deviceIndex: number): Recorder;
}

let pvRecorder: RecorderLibrary | Error | undefined;

/** PvRecorder, loaded on first use: its native library exists only for some platforms and must not break import. */
function pvRecorderLibrary(): RecorderLibrary | Error {
  if (pvRecorder) return pvRecorder;
  try {
    // Loaded at run time from node_modules, never bundled: it finds its native library beside itself.
    const { PvRecorder: Recorder } = createRequire(import.meta.url)("@picovoice/pvrecorder-node") as {
      PvRecorder: typeof PvRecorder;
    };
    pvRecorder = {
      devices: () => Recorder.getAvailableDevices(),
      open: (deviceIndex) => new Recorder(FRAME_SAMPLES, deviceIndex, BUFFERED_FRAMES),
    };
  } catch (error) {
    // Its platform check throws a bare string on an unknown system.
    pvRecorder = error instanceof Error ? error : new Error(String(error));
  }
  return pvRecorder;
}

/** PvRecorder's errors carry only a generic message; their class says what happened. */
const RECORDER_FAILURES: Record<string, string> = {
  PvRecorderStatusBackendError: "no audio system could be reached",
  PvRecorderStatusRuntimeError: "the input device could not be opened",
  PvRecorderStatusIOError: "the input device sent nothing for a second",
  PvRecorderStatusInvalidArgumentError: "there is no such input device",
  PvRecorderStatusDeviceAlreadyInitializedError: "the input device is already in use",
};

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return RECORDER_FAILURES[error.constructor.name] ?? error.message;
}

const isDefaultDevice = (device: string | undefined): boolean =>
  device === undefined || ["", "default", "-1"].includes(device.trim().toLowerCase());

function choices(devices: readonly string[]): string {
  if (devices.length === 0)
    return `No microphones are listed here (${herFaq("devices")}); leave out --device to use the default input.`;
  const lines = devices.map((name, index) => `  ${index}  ${name}`).join("\n");
  return `Choose one by number or name (${herFaq("devices")} lists them), or leave out --device for the default input:\n${lines}`;
}

/**
 * The device index `--device` asks for among these input names: -1 for the default, a number, or a unique
 * case-insensitive part of a name (an exact name wins). Anything else is a MicrophoneUnavailable listing the choices.
 */
export function chooseDevice(wanted: string | undefined, devices: readonly string[]): number {
  if (wanted === undefined || isDefaultDevice(wanted)) return -1;
  const text = wanted.trim();
  if (/^\d+$/.test(text)) {
    const index = Number(text);
    if (index < devices.length) return index;
    throw new MicrophoneUnavailable(`there is no microphone number ${index}. ${choices(devices)}`);
  }
  const needle = text.toLowerCase();
  const matches = devices.flatMap((name, index) => (name.toLowerCase().includes(needle) ? [index] : []));
  const exact = matches.filter((index) => devices[index]?.toLowerCase() === needle);
  if (matches.length === 1 || exact.length === 1) return (exact[0] ?? matches[0]) as number;
  if (matches.length > 1)
    throw new MicrophoneUnavailable(
      `"${text}" matches ${matches.length} microphones; give more of the name, or its number. ${choices(devices)}`,
    );
  throw new MicrophoneUnavailable(`no microphone is called "${text}". ${choices(devices)}`);
}

/** The inputs PvRecorder can open, numbered as `--device` takes them. */
export function listMicrophones(): { index: number; name: string }[] {
  const library = pvRecorderLibrary();
  if (library instanceof Error) throw libraryMissing(library);
  try {
    return library.devices().map((name, index) => ({ index, name }));
  } catch (error) {
    throw microphoneProblem(`the microphones could not be listed (${describeFailure(error)})`);
  }
}

function libraryMissing(error: Error): MicrophoneUnavailable {
  const reason = `the microphone library does not run on this ${process.platform}/${process.arch} computer (${error.message})`;
  if (process.platform !== "linux") return microphoneProblem(reason);
  return new MicrophoneUnavailable(
    `${reason}. The default input still works through arecord; name another ALSA device with --device alsa:NAME ` +
      "(arecord -L lists them).",
  );
}

/**
 * The microphone `options.device` names. Every problem, a device that does not exist included, comes from
 * start() as a MicrophoneUnavailable, so a caller has one place to handle it.
 */
export function openMicrophone(options: MicrophoneOptions = {}): Microphone {
  const device = options.device?.trim();
  if (device?.toLowerCase().startsWith(ALSA_PREFIX)) {
    if (process.platform !== "linux")
      return unavailable(
        new MicrophoneUnavailable(
          `${ALSA_PREFIX}NAME devices exist only on Linux; ${herFaq("devices")} lists this computer's microphones`,
        ),
      );
    return alsaMicrophone({ ...options, device: device.slice(ALSA_PREFIX.length) });
  }
  // On Linux the default input is read through arecord where it is installed: through PulseAudio, PvRecorder
  // hands audio over in bursts of up to two seconds, which the conversation would wait out before every
  // answer, where arecord hands it over every 20 ms (docs/voice.md, Conversation).
  if (process.platform === "linux" && isDefaultDevice(device) && hasArecord())
    return alsaMicrophone({ ...options, device: undefined });
  const library = pvRecorderLibrary();
  if (library instanceof Error) {
    if (process.platform !== "linux" || !isDefaultDevice(device)) return unavailable(libraryMissing(library));
    return alsaMicrophone({ ...options, device: undefined });
  }
  return recorderMicrophone(library, options);
}

const hasArecord = (): boolean => !spawnSync("arecord", ["--version"], { stdio: "ignore" }).error;

const unavailable = (error: MicrophoneUnavailable): Microphone => ({
  start: () => Promise.reject(error),
  stop: () => undefined,
});

/** Resolves after pending promise callbacks (such as a rejected start's handlers) have run. */
const afterReports = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What both ways of capturing share: when start() settles, what reaches onChunk, and a single onLost. */
interface Capture {
  readonly started: Promise<void>;
  /** A captured chunk, handed on; the first one with sound proves the microphone works. */
  chunk(chunk: Int16Array): void;
  /** Capture broke: before any sound, start() fails; after, the microphone is lost. */
  fail(detail: string): void;
  /** The caller stopped: nothing more is handed on or reported. */
  close(): void;
}

function capture(
  onChunk: (chunk: Int16Array) => void,
  onLost: ((error: MicrophoneUnavailable) => void) | undefined,
  timeoutMs: number,
  halt: () => void,
): Capture {
  let state: "waiting" | "flowing" | "over" = "waiting";
  let resolveStarted: () => void = () => undefined;
  let rejectStarted: (error: MicrophoneUnavailable) => void = () => undefined;
  const started = new Promise<void>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  // A denied permission (macOS, Windows) or a muted input gives exact zeros, never the faint noise of a live one.
  const timer = setTimeout(() => {
    if (state === "waiting")
      fail(
        `only digital silence for ${timeoutMs / 1000} s: it is muted, or this app is not allowed to use it`,
      );
  }, timeoutMs);
  const fail = (detail: string) => {
    if (state === "over") return;
    const before = state;
    state = "over";
    clearTimeout(timer);
    if (before === "waiting")
      rejectStarted(microphoneProblem(`no audio came from the microphone (${detail})`));
    else
      onLost?.(
        microphoneProblem(
          `the microphone stopped sending audio (${detail}); it may have been unplugged, switched off or taken by another app`,
        ),
      );
    // Halted once the failure is reported: a driver slow to let go of a dead device must not hold it back.
    void afterReports().then(halt);
  };
  return {
    started,
    chunk(chunk) {
      if (state === "over") return;
      onChunk(chunk);
      if (state === "waiting" && chunk.some((sample) => sample !== 0)) {
        state = "flowing";
        clearTimeout(timer);
        resolveStarted();
      }
    },
    fail,
    close() {
      if (state === "over") return;
      state = "over";
      clearTimeout(timer);
      halt();
      // Stopped before any sound: nothing failed, the caller no longer waits for it.
      resolveStarted();
    },
  };
}

/** A microphone read through a PvRecorder-shaped library; openMicrophone gives it the real one. */
export function recorderMicrophone(library: RecorderLibrary, options: MicrophoneOptions = {}): Microphone {
  let session: Capture | undefined;
  return {
    start(onChunk, onLost) {
      if (session) return Promise.reject(new Error("this microphone is already started"));
      let recorder: Recorder | undefined;
      try {
        const { device } = options;
        recorder = library.open(isDefaultDevice(device) ? -1 : chooseDevice(device, library.devices()));
        recorder.start();
      } catch (error) {
        recorder?.release();
        if (error instanceof MicrophoneUnavailable) return Promise.reject(error);
        return Promise.reject(
          microphoneProblem(`the microphone could not be opened (${describeFailure(error)})`),
        );
      }
      const active = recorder;
      let halted = false;
      let released = false;
      const current = capture(onChunk, onLost, options.firstAudioTimeoutMs ?? FIRST_AUDIO_TIMEOUT_MS, () => {
        if (halted) return;
        halted = true;
        try {
          if (!released) active.stop();
        } catch {
          // Already stopped by the failure that ended it.
        }
      });
      session = current;
      void (async () => {
        try {
          while (!halted) {
            let frame: Int16Array;
            try {
              frame = await active.read();
            } catch (error) {
              current.fail(describeFailure(error));
              break;
            }
            if (!halted) current.chunk(frame);
          }
        } finally {
          // After the last read has returned (releasing during one frees memory it uses), and after a failure
          // has been reported.
          await afterReports();
          released = true;
          active.release();
        }
      })();
      return current.started;
    },
    stop() {
      session?.close();
    },
  };
}

/** The microphone through ALSA's arecord (Linux): the default device, or options.device as arecord -D takes it. */
export function alsaMicrophone(options: MicrophoneOptions = {}): Microphone {
  let session: Capture | undefined;
  return {
    start(onChunk, onLost) {
      if (session) return Promise.reject(new Error("this microphone is already started"));
      // Small periods: audio reaches the endpointer every 20 ms, not in arecord's default 125 ms blocks.
      const args = ["-q", "-f", "S16_LE", "-r", String(SAMPLE_RATE), "-c", "1", "-t", "raw"];
      args.push("--buffer-time=100000", "--period-time=20000");
      if (options.device) args.push("-D", options.device);
      const arecord = spawn("arecord", args, { stdio: ["ignore", "pipe", "pipe"] });
      const current = capture(onChunk, onLost, options.firstAudioTimeoutMs ?? FIRST_AUDIO_TIMEOUT_MS, () =>
        arecord.kill(),
      );
      session = current;
      let stderr = "";
      let carry = Buffer.alloc(0);
      arecord.on("error", (error: NodeJS.ErrnoException) =>
        current.fail(
          error.code === "ENOENT"
            ? "arecord is not installed: sudo apt-get install alsa-utils"
            : error.message,
        ),
      );
      arecord.stderr?.on("data", (data) => (stderr += data));
      arecord.stdout?.on("data", (data: Buffer) => {
        const bytes = Buffer.concat([carry, data]);
        const whole = bytes.length - (bytes.length % 2);
        carry = bytes.subarray(whole);
        if (whole === 0) return;
        // A copy: Int16Array needs an even byte offset, which a slice of a pooled Buffer may not have.
        current.chunk(new Int16Array(new Uint8Array(bytes.subarray(0, whole)).buffer));
      });
      arecord.on("close", (code, signal) =>
        current.fail(
          stderr.trim().split("\n")[0] ||
            (signal ? `arecord was stopped by ${signal}` : `arecord ended with exit code ${code}`),
        ),
      );
      return current.started;
    },
    stop() {
      session?.close();
    },
  };
}
