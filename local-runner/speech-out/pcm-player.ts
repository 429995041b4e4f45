/**
 * Plays 16 kHz mono samples through one long-lived player process (aplay by default), handing them over in
 * 20 ms chunks paced by the clock, so it knows which samples reach the device and when, and can silence them
 * at once by ending the process (its buffer goes with it) and starting a fresh one for the next answer.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { SAMPLE_RATE } from "../audio/wav.js";

/** What the player handed to the device: the reference signal an echo canceller subtracts. */
export interface PlayedChunk {
  readonly samples: Int16Array;
  readonly sampleRate: number;
  /** performance.now() when the chunk was written to the player. */
  readonly handedAt: number;
  /** performance.now() when its first sample is due to sound: the end of what was handed before it. */
  readonly playsAt: number;
}

export interface PcmPlayerOptions {
  /** The player and its arguments; it reads raw 16-bit mono at 16 kHz on stdin. */
  readonly command?: readonly string[];
  /** Told once when nothing can be played (no player, no audio device), with the reason. */
  readonly onUnavailable?: (reason: string) => void;
  readonly onPlayed?: (chunk: PlayedChunk) => void;
}

/**
 * aplay starts playing once its buffer is full: a buffer as long as the lead the player keeps (LEAD_MS)
 * starts the first sentence as soon as it is handed over, where aplay's default half second waited for it.
 */
export const APLAY = [
  "aplay",
  "-q",
  "-t",
  "raw",
  "-f",
  "S16_LE",
  "-r",
  String(SAMPLE_RATE),
  "-c",
  "1",
  "--buffer-time=200000",
  "-",
];

/**
 * The player for a named PulseAudio sink (pulseaudio-utils' pacat), for when the sink must be the one named
 * whatever ALSA's default device is: the sound server's echo canceller's. Its buffer is the lead kept.
 */
export const pacatTo = (sink: string): readonly string[] => [
  "pacat",
  "--playback",
  `--device=${sink}`,
  "--format=s16le",
  `--rate=${SAMPLE_RATE}`,
  "--channels=1",
  "--raw",
  "--latency-msec=200",
];

const CHUNK_SAMPLES = SAMPLE_RATE / 50;
/**
 * How far ahead of the clock audio is handed over. Enough that a busy event loop (a recognizer's turn on
 * the main thread) does not starve the device; stop() drops it with the process, so it costs no stop time.
 */
const LEAD_MS = 200;
const TICK_MS = 20;

export class PcmPlayer {
  private process: ChildProcessWithoutNullStreams | undefined;
  private readonly queue: Int16Array[] = [];
  /** performance.now() at which everything handed over so far will have sounded. */
  private playedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  private unavailable: string | undefined;

  constructor(private readonly options: PcmPlayerOptions = {}) {
    // Started now, so the first answer does not wait for the player, and a missing device shows at once.
    this.process = this.start();
  }

  /** Whether sound can be played at all; false once the player or the device has failed. */
  get available(): boolean {
    return this.unavailable === undefined;
  }

  /** Appends samples to what is playing; the first chunk goes out before this returns. */
  enqueue(pcm: Int16Array): void {
    if (!this.available || pcm.length === 0) return;
    for (let offset = 0; offset < pcm.length; offset += CHUNK_SAMPLES)
      this.queue.push(pcm.subarray(offset, offset + CHUNK_SAMPLES));
    this.pump();
  }

  /** Resolves when everything enqueued has sounded, or was stopped. */
  drained(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Silences playback now and drops what is queued; the next enqueue plays through a fresh process. */
  stop(): void {
    this.queue.length = 0;
    if (this.playedUntil > performance.now() && this.process) {
      const stale = this.process;
      this.process = undefined;
      stale.kill("SIGKILL");
      if (this.available) this.process = this.start();
    }
    this.playedUntil = 0;
    this.settle();
  }

  /**
   * Ends the player process, for the end of a conversation: an idle one at the end of its input, so what it
   * holds still plays, a busy one at once. Resolves when it has gone.
   */
  close(): Promise<void> {
    const child = this.process;
    const busy = !this.idle();
    this.queue.length = 0;
    this.unavailable ??= "closed";
    this.process = undefined;
    this.settle();
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    if (busy) child.kill("SIGKILL");
    else child.stdin.end();
    return gone;
  }

  private start(): ChildProcessWithoutNullStreams | undefined {
    const [program = "aplay", ...args] = this.options.command ?? APLAY;
    const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (data: Buffer) => {
      stderr += data.toString();
    });
    // A player that died takes the pipe with it; its exit says why.
    child.stdin.on("error", () => undefined);
    child.on("error", (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === "ENOENT"
          ? `${program} is not installed; install it with: sudo apt-get install ${program === "pacat" ? "pulseaudio-utils" : "alsa-utils"}`
          : error.message;
      this.fail(child, reason);
    });
    child.on("exit", (code, signal) => {
      // aplay's own last line says what failed ("audio open error: ..."); ALSA's lines before it, where.
      const reason = stderr.trim().split("\n").at(-1) || `${program} ended (${signal ?? `exit ${code}`})`;
      this.fail(child, reason);
    });
    // An idle player must not keep the program alive after the conversation; it ends at end of input.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr])
      (stream as unknown as { unref?: () => void }).unref?.();
    return child;
  }

  /** The current player failed by itself (one that stop() or close() ended is no longer current). */
  private fail(child: ChildProcessWithoutNullStreams, reason: string): void {
    if (child !== this.process) return;
    this.process = undefined;
    this.queue.length = 0;
    this.playedUntil = 0;
    if (this.unavailable === undefined) {
      this.unavailable = reason;
      this.options.onUnavailable?.(reason);
    }
    this.settle();
  }

  private pump(): void {
    const now = performance.now();
    if (this.playedUntil < now) this.playedUntil = now;
    while (this.queue.length > 0 && this.playedUntil - now < LEAD_MS) {
      const samples = this.queue.shift() as Int16Array;
      const playsAt = this.playedUntil;
      this.process?.stdin.write(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
      this.playedUntil += (samples.length * 1000) / SAMPLE_RATE;
      this.options.onPlayed?.({ samples, sampleRate: SAMPLE_RATE, handedAt: now, playsAt });
    }
    if (this.idle()) {
      this.settle();
      return;
    }
    // A timer keeps the program alive while there is audio to play.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, TICK_MS);
  }

  private idle(): boolean {
    return this.queue.length === 0 && this.playedUntil <= performance.now();
  }

  private settle(): void {
    if (this.timer && this.queue.length === 0 && this.playedUntil <= performance.now()) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
