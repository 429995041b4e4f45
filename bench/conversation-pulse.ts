/**
 * The conversation benchmark's sound devices: a private PulseAudio server in a scratch folder with two null
 * sinks ("mic", whose monitor is the default source, and "spk", the default sink), recordings of their
 * monitors, playback into them, and every process started for them ended on teardown. Nothing of the user's
 * own sound setup is read or changed: the server's state, socket and the clients' ALSA and PulseAudio
 * settings all live in that folder.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { type Arrival, noiseFloor } from "./conversation-audio.js";

export const RATE = 16_000;
export const MIC_SINK = "mic";
export const SPEAKER_SINK = "spk";
const SAID_SINK = "said";
const USER_SINK = "user";
const INSTALL = "sudo apt-get install pulseaudio pulseaudio-utils libasound2-plugins";
/**
 * Latency asked of the recordings and the noise floor. A null sink no client asks a latency of runs in 2 s
 * blocks, and its monitor then delivers 2 s at a time: PvRecorder, which asks none, times out reading ("sent
 * nothing for a second").
 */
const STREAM_LATENCY_MS = 20;
/**
 * Latency asked of what is played into a sink (the user's words, other talk). With 20 ms, pacat must be
 * given the processor every 20 ms: on 2 cores busy with listen it was not, and the stream ran dry many times
 * over a question, each time a gap of silence in the words (one question 0.4 s longer at the microphone
 * than as said, "Samantha" broken by clicks). Its timing does not matter: every sound is timed where it is
 * recorded.
 */
const PLAYBACK_LATENCY_MS = 500;
const RAW = ["--raw", "--format=s16le", `--rate=${RATE}`, "--channels=1"];

export class BenchSetupError extends Error {
  override readonly name = "BenchSetupError";
}

/** Every process the bench started, so that teardown, Ctrl-C or an error ends them all. */
export class Children {
  private readonly running = new Set<ChildProcess>();

  /** Started in a process group of its own: its children (festival's aplay) end with it. */
  spawn(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
    const child = spawn(command, args, { env, cwd, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    this.running.add(child);
    child.once("exit", () => this.running.delete(child));
    child.once("error", () => this.running.delete(child));
    // A child that ends first must not crash the bench writing to it.
    child.stdin?.on("error", () => undefined);
    return child;
  }

  /** Ends one child's group: `signal` first, then SIGKILL if it has not ended within graceMs. */
  async end(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 3000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    signalGroup(child, signal);
    const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    // The group may outlive its leader (an aplay still draining).
    signalGroup(child, "SIGKILL");
  }

  async endAll(): Promise<void> {
    await Promise.all([...this.running].map((child) => this.end(child)));
  }

  /** For process exit, when nothing can be awaited. */
  killAllNow(): void {
    for (const child of this.running) signalGroup(child, "SIGKILL");
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** What is missing for the bench to run here, with the command that installs it; undefined if nothing. */
export function missingTools(): string | undefined {
  const missing = ["pulseaudio", "pacat", "parec", "pactl", "aplay"].filter(
    (tool) => spawnSync(tool, ["--version"], { stdio: "ignore" }).error,
  );
  if (missing.length === 0) return undefined;
  const packages = missing.includes("aplay") ? `${INSTALL} alsa-utils` : INSTALL;
  return `${missing.join(", ")} not found: the bench needs a PulseAudio server, its tools and ALSA's pulse plugin. Install them with: ${packages}`;
}

export interface PrivatePulse {
  /** The environment a client of this server runs in: PulseAudio's and ALSA's default devices are its sinks. */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Starts the server and waits until it answers; its sinks are then the default devices for `env`'s clients. */
export async function startPulse(children: Children): Promise<PrivatePulse> {
  const folder = mkdtempSync(join(tmpdir(), "her-faq-conversation-"));
  const runtime = join(folder, "runtime");
  mkdirSync(runtime, { mode: 0o700 });
  chmodSync(runtime, 0o700);
  const socket = join(runtime, "native");
  const clientConfig = join(folder, "client.conf");
  // No client may start a server of its own (the user's) if this one is gone.
  writeFileSync(clientConfig, "autospawn = no\n");
  const alsaConfig = join(folder, "asound.conf");
  // Only ALSA's default devices, through the pulse plugin (libasound2-plugins); the system's config is not read.
  writeFileSync(alsaConfig, "pcm.!default { type pulse }\nctl.!default { type pulse }\n");
  const serverEnv = {
    ...process.env,
    HOME: join(folder, "home"),
    XDG_CONFIG_HOME: join(folder, "config"),
    XDG_RUNTIME_DIR: runtime,
    PULSE_RUNTIME_PATH: runtime,
    PULSE_STATE_PATH: join(folder, "state"),
  };
  const sink = (name: string, description: string) =>
    `--load=module-null-sink sink_name=${name} rate=${RATE} channels=1 sink_properties=device.description=${description}`;
  const server = children.spawn(
    "pulseaudio",
    [
      "-n",
      "--daemonize=no",
      "--exit-idle-time=-1",
      "--use-pid-file=no",
      "--log-target=stderr",
      `--load=module-native-protocol-unix auth-anonymous=1 socket="${socket}"`,
      sink(MIC_SINK, "bench-microphone"),
      sink(SPEAKER_SINK, "bench-speaker"),
    ],
    serverEnv,
  );
  let serverLog = "";
  server.stderr?.on("data", (data) => (serverLog += data));
  let spawnError: Error | undefined;
  server.once("error", (error) => (spawnError = error));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULSE_SERVER: `unix:${socket}`,
    PULSE_RUNTIME_PATH: runtime,
    PULSE_CLIENTCONFIG: clientConfig,
    PULSE_SOURCE: `${MIC_SINK}.monitor`,
    PULSE_SINK: SPEAKER_SINK,
    ALSA_CONFIG_PATH: alsaConfig,
  };
  const stop = async () => {
    await children.end(server);
    rmSync(folder, { recursive: true, force: true });
  };
  const failed = async (reason: string) => {
    await stop();
    const log = serverLog
      .split("\n")
      .filter((line) => line.startsWith("E:"))
      .slice(0, 3)
      .join("; ");
    return new BenchSetupError(`the private PulseAudio server ${reason}${log ? `: ${log}` : ""}`);
  };
  const deadline = performance.now() + 10_000;
  for (;;) {
    if (spawnError) throw await failed(`could not start (${spawnError.message}); ${INSTALL}`);
    if (server.exitCode !== null) throw await failed(`ended at once (exit code ${server.exitCode})`);
    if (pactl(env, ["info"]).status === 0) break;
    if (performance.now() > deadline) throw await failed("did not answer within 10 s");
    await sleep(100);
  }
  for (const args of [
    ["set-default-source", `${MIC_SINK}.monitor`],
    ["set-default-sink", SPEAKER_SINK],
  ]) {
    const run = pactl(env, args);
    if (run.status !== 0) throw await failed(`refused pactl ${args.join(" ")} (${run.stderr.trim()})`);
  }
  return { env, stop };
}

function pactl(env: NodeJS.ProcessEnv, args: readonly string[]) {
  return spawnSync("pactl", args, { env, encoding: "utf8", timeout: 3000 });
}

/**
 * Loads a sink that plays into two sinks at once (by default both null sinks, for checking the bench's clock:
 * one sound played into it must start at the same time on both recordings). Returns a function that unloads it.
 */
export function loadBothSink(
  pulse: PrivatePulse,
  name: string,
  slaves: readonly string[] = [MIC_SINK, SPEAKER_SINK],
): () => void {
  const run = pactl(pulse.env, [
    "load-module",
    "module-combine-sink",
    `sink_name=${name}`,
    `slaves=${slaves.join(",")}`,
    `rate=${RATE}`,
    "channels=1",
    "adjust_time=0",
  ]);
  if (run.status !== 0)
    throw new BenchSetupError(`the private PulseAudio server refused a combine sink (${run.stderr.trim()})`);
  const module = run.stdout.trim();
  return () => void pactl(pulse.env, ["unload-module", module]);
}

/**
 * The answer heard back by the microphone, as in a room: PulseAudio's loopback from the speaker's monitor into
 * the microphone sink, `delayMs` late (the loopback's own buffering, which it keeps near that). Its level is
 * set afterwards, once the answer's level is known. Direct path only: no reflections.
 */
export interface EchoLoopback {
  mute(): void;
  /** Sets the echo's gain, in dB (negative: quieter than the speaker), and unmutes it. */
  setGainDb(db: number): void;
  unload(): void;
}

export function loadEchoLoopback(pulse: PrivatePulse, delayMs: number): EchoLoopback {
  const run = pactl(pulse.env, [
    "load-module",
    "module-loopback",
    `source=${SPEAKER_SINK}.monitor`,
    `sink=${MIC_SINK}`,
    `latency_msec=${delayMs}`,
    "source_dont_move=true",
    "sink_dont_move=true",
  ]);
  if (run.status !== 0)
    throw new BenchSetupError(`the private PulseAudio server refused a loopback (${run.stderr.trim()})`);
  const module = run.stdout.trim();
  const inputs = pactl(pulse.env, ["list", "short", "sink-inputs"]).stdout;
  // Columns: index, sink, owner module (not given for a loopback's), driver, format. It is the only loopback.
  const input = inputs
    .split("\n")
    .map((line) => line.split("\t"))
    .find((columns) => columns[3] === "module-loopback.c")?.[0];
  if (input === undefined)
    throw new BenchSetupError(`the echo loopback has no sink input to set its level on (${inputs.trim()})`);
  const set = (args: readonly string[]) => {
    const run = pactl(pulse.env, args);
    if (run.status !== 0 || run.stderr.trim())
      throw new BenchSetupError(
        `could not set the echo's level (pactl ${args.join(" ")}: ${run.stderr.trim()})`,
      );
  };
  return {
    mute: () => set(["set-sink-input-mute", input, "1"]),
    setGainDb(db: number) {
      // As a linear factor: this pactl refuses a fractional dB value.
      set(["set-sink-input-volume", input, (10 ** (db / 20)).toFixed(4)]);
      set(["set-sink-input-mute", input, "0"]);
    },
    unload: () => void pactl(pulse.env, ["unload-module", module]),
  };
}

/**
 * Where the user speaks when the microphone also carries echo: a sink playing into the microphone and into a
 * null sink of its own ("said"), whose monitor holds the user's words alone, so their end can be found
 * under the echo. Returns the sink's name and a function that unloads both.
 */
export function loadUserSink(pulse: PrivatePulse): { sink: string; said: string; unload: () => void } {
  const said = pactl(pulse.env, [
    "load-module",
    "module-null-sink",
    `sink_name=${SAID_SINK}`,
    `rate=${RATE}`,
    "channels=1",
  ]);
  if (said.status !== 0)
    throw new BenchSetupError(`the private PulseAudio server refused a null sink (${said.stderr.trim()})`);
  const unloadBoth = loadBothSink(pulse, USER_SINK, [MIC_SINK, SAID_SINK]);
  return {
    sink: USER_SINK,
    said: `${SAID_SINK}.monitor`,
    unload: () => {
      unloadBoth();
      pactl(pulse.env, ["unload-module", said.stdout.trim()]);
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Checks that an ALSA program (festival plays through aplay) reaches the server: 50 ms of silence played to the
 * default device. Without libasound2-plugins, ALSA has no "pulse" device type.
 */
export function checkAlsaReachesPulse(pulse: PrivatePulse): void {
  const run = spawnSync("aplay", ["-q", "-t", "raw", "-f", "S16_LE", "-r", String(RATE), "-c", "1"], {
    env: pulse.env,
    input: Buffer.alloc(RATE / 10),
    encoding: "buffer",
    timeout: 10_000,
  });
  if (run.status === 0) return;
  const stderr = run.stderr?.toString().trim().split("\n")[0] ?? "";
  const plugin = /pulse|Unknown PCM|shared library/i.test(stderr);
  throw new BenchSetupError(
    `ALSA programs cannot play through the private PulseAudio server (aplay: ${stderr || `exit ${run.status}`})` +
      (plugin ? `. ALSA's pulse plugin is missing: sudo apt-get install libasound2-plugins` : ""),
  );
}

/** A monitor recorded for the whole run, each chunk's arrival timed on the bench's clock. */
export class Recording {
  private buffer = new Int16Array(RATE * 60);
  private filled = 0;
  private carry: Buffer = Buffer.alloc(0);
  readonly arrivals: Arrival[] = [];
  private readonly process: ChildProcess;
  private stderr = "";

  constructor(
    children: Children,
    pulse: PrivatePulse,
    readonly device: string,
  ) {
    this.process = children.spawn(
      "parec",
      [...RAW, `--latency-msec=${STREAM_LATENCY_MS / 2}`, `--device=${device}`],
      pulse.env,
    );
    this.process.stdin?.end();
    this.process.stderr?.on("data", (data) => (this.stderr += data));
    this.process.stdout?.on("data", (data: Buffer) => this.accept(data, performance.now()));
  }

  /** The samples recorded so far (a view: valid until the next chunk arrives). */
  get pcm(): Int16Array {
    return this.buffer.subarray(0, this.filled);
  }

  get length(): number {
    return this.filled;
  }

  /** Why it stopped recording, if it has. */
  get failure(): string | undefined {
    if (this.process.exitCode === null && this.process.signalCode === null) return undefined;
    return `recording ${this.device} ended (${this.stderr.trim().split("\n")[0] || `exit ${this.process.exitCode}`})`;
  }

  private accept(data: Buffer, atMs: number): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, data]) : data;
    const whole = bytes.length - (bytes.length % 2);
    this.carry = Buffer.from(bytes.subarray(whole));
    const count = whole / 2;
    if (count === 0) return;
    if (this.filled + count > this.buffer.length) {
      const grown = new Int16Array(Math.max(this.buffer.length * 2, this.filled + count));
      grown.set(this.buffer.subarray(0, this.filled));
      this.buffer = grown;
    }
    for (let i = 0; i < count; i++) this.buffer[this.filled + i] = bytes.readInt16LE(2 * i);
    this.filled += count;
    this.arrivals.push({ samples: this.filled, atMs });
  }
}

/** Plays 16 kHz samples into a sink, paced by the server in real time; resolves when they have been played. */
export async function playInto(
  children: Children,
  pulse: PrivatePulse,
  sink: string,
  pcm: Int16Array,
  timeoutMs: number,
): Promise<void> {
  const player = children.spawn(
    "pacat",
    ["--playback", "--verbose", ...RAW, `--latency-msec=${PLAYBACK_LATENCY_MS}`, `--device=${sink}`],
    pulse.env,
  );
  const log = new PacatLog();
  player.stderr?.on("data", (data: Buffer) => log.read(data.toString()));
  const done = new Promise<number | null>((resolve, reject) => {
    player.once("error", reject);
    player.once("exit", (code) => resolve(code));
  });
  player.stdin?.end(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  const timer = setTimeout(() => void children.end(player), timeoutMs);
  try {
    const code = await done;
    playbackUnderruns += log.underruns;
    if (code !== 0)
      throw new BenchSetupError(
        `pacat could not play into ${sink} (${log.failure ?? `exit ${code}, or no end within ${timeoutMs} ms`})`,
      );
  } finally {
    clearTimeout(timer);
  }
}

/** Times a stream played into a sink ran dry before its end, over the whole run: each a gap in what was said. */
let playbackUnderruns = 0;
export const underrunsSoFar = () => playbackUnderruns;

/**
 * What pacat --verbose writes as it plays: the times its stream ran dry before it had read all it was given
 * ("Got EOF."; after that, running dry is the stream's end), and the line that says why it failed, if it did
 * (among its progress lines, so not always the first).
 */
export class PacatLog {
  underruns = 0;
  failure: string | undefined;
  private ended = false;
  private tail = "";

  read(text: string): void {
    const lines = (this.tail + text).split(/[\n\r]/);
    this.tail = lines.pop() ?? "";
    for (const line of lines) {
      if (line.includes("Got EOF")) this.ended = true;
      else if (!this.ended && line.includes("Stream underrun")) this.underruns++;
      else if (this.failure === undefined && /fail|error/i.test(line)) this.failure = line.trim();
    }
  }
}

/**
 * A steady noise floor played into a sink for as long as the bench runs, as a real microphone always hears:
 * a microphone giving digital silence is taken for a muted one. White noise at `dbfs` RMS, the same every run.
 */
export function noiseInto(children: Children, pulse: PrivatePulse, sink: string, dbfs: number): ChildProcess {
  const player = children.spawn(
    "pacat",
    ["--playback", ...RAW, `--latency-msec=${STREAM_LATENCY_MS}`, `--device=${sink}`],
    pulse.env,
  );
  const noise = noiseFloor(dbfs);
  // Pulled only as fast as pacat takes it: the pipe's back-pressure paces it.
  const source = new Readable({
    read() {
      const chunk = Buffer.alloc(RATE / 5);
      for (let i = 0; i < chunk.length / 2; i++) chunk.writeInt16LE(noise(), 2 * i);
      this.push(chunk);
    },
  });
  if (player.stdin) source.pipe(player.stdin);
  player.once("exit", () => source.destroy());
  return player;
}
