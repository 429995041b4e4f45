/**
 * Takes the answer's own sound out of the microphone's audio, so the user can be heard over it: speexdsp's
 * echo canceller (Debian's libspeexdsp.so.1, bound with koffi) subtracts what the speaker played, and its
 * preprocessor suppresses the echo that remains. The played samples come with the time they sound, and the
 * microphone's with the time they arrive: PlaybackReference lines the two up.
 */
import koffi, { type LibraryHandle } from "koffi";
import type { PlayedChunk } from "../speech-out/pcm-player.js";
import { SAMPLE_RATE } from "./wav.js";

export const INSTALL_SPEEXDSP = "sudo apt-get install libspeexdsp1";

export class EchoCancellerUnavailable extends Error {
  override readonly name = "EchoCancellerUnavailable";
}

/** speexdsp's calls, under names that say what they do; the boundary a test could replace. */
export interface SpeexLibrary {
  echoInit(frameSize: number, filterLength: number): unknown;
  echoControl(state: unknown, request: number, value: Int32Array | null): number;
  echoCancel(state: unknown, recorded: Int16Array, played: Int16Array, out: Int16Array): void;
  echoDestroy(state: unknown): void;
  preprocessInit(frameSize: number, sampleRate: number): unknown;
  preprocessControl(state: unknown, request: number, value: unknown): number;
  preprocessRun(state: unknown, samples: Int16Array): number;
  preprocessDestroy(state: unknown): void;
}

// speex_echo.h and speex_preprocess.h
const SPEEX_ECHO_SET_SAMPLING_RATE = 24;
const SPEEX_PREPROCESS_SET_ECHO_STATE = 24;

let library: SpeexLibrary | undefined;

/**
 * libspeexdsp, loaded once. Only Linux is tried: macOS and Windows have no system copy, and this project
 * ships no binaries, so there barge-in is off and the caller says so.
 */
export function speexLibrary(
  platform: NodeJS.Platform = process.platform,
  file = "libspeexdsp.so.1",
): SpeexLibrary {
  if (platform !== "linux")
    throw new EchoCancellerUnavailable(`no echo canceller on ${platform} (speexdsp's is used on Linux only)`);
  if (library && file === "libspeexdsp.so.1") return library;
  let lib: LibraryHandle;
  try {
    lib = koffi.load(file);
  } catch (error) {
    throw new EchoCancellerUnavailable(
      `speexdsp's echo canceller is not installed (${(error as Error).message}); install it with: ${INSTALL_SPEEXDSP}`,
    );
  }
  const loaded: SpeexLibrary = {
    echoInit: lib.func("void *speex_echo_state_init(int frame_size, int filter_length)"),
    echoControl: lib.func("int speex_echo_ctl(void *st, int request, _Inout_ int32_t *ptr)"),
    echoCancel: lib.func(
      "void speex_echo_cancellation(void *st, const int16_t *rec, const int16_t *play, _Out_ int16_t *out)",
    ),
    echoDestroy: lib.func("void speex_echo_state_destroy(void *st)"),
    preprocessInit: lib.func("void *speex_preprocess_state_init(int frame_size, int sampling_rate)"),
    preprocessControl: lib.func("int speex_preprocess_ctl(void *st, int request, void *ptr)"),
    preprocessRun: lib.func("int speex_preprocess_run(void *st, _Inout_ int16_t *x)"),
    preprocessDestroy: lib.func("void speex_preprocess_state_destroy(void *st)"),
  };
  if (file === "libspeexdsp.so.1") library = loaded;
  return loaded;
}

export interface EchoCancellerOptions {
  /** Samples per frame the canceller works on (10 ms by default). */
  readonly frameSamples?: number;
  /**
   * The longest echo path it can learn, in milliseconds: the speaker's delay, the microphone's, and the
   * room's reverberation together.
   */
  readonly filterMs?: number;
  /** The preprocessor's residual echo suppression after the canceller (on by default). */
  readonly residualSuppression?: boolean;
  readonly library?: SpeexLibrary;
}

/** Frees speexdsp's states when a canceller that was never closed is collected. */
const released = new FinalizationRegistry<() => void>((free) => free());

/** What EchoCancelledMicrophone needs of a canceller. */
export interface Canceller {
  process(recorded: Int16Array, played: Int16Array): Int16Array;
  flush(): Int16Array;
  close(): void;
}

/**
 * For a microphone whose echo the sound server already took out (system-echo-canceller.ts): its audio
 * passes as it is, while the played samples are still lined up with it for the barge-in detector.
 */
export class CancelledUpstream implements Canceller {
  /** `onClose`: lets the upstream canceller go (unloads the server's module). */
  constructor(private readonly onClose: () => void = () => undefined) {}
  process(recorded: Int16Array): Int16Array {
    return recorded;
  }
  flush(): Int16Array {
    return new Int16Array(0);
  }
  close(): void {
    this.onClose();
  }
}

export class EchoCanceller implements Canceller {
  readonly frameSamples: number;
  private readonly lib: SpeexLibrary;
  private echo: unknown;
  private preprocess: unknown;
  private carried = { recorded: new Int16Array(0), played: new Int16Array(0) };
  private readonly out: Int16Array;

  constructor(options: EchoCancellerOptions = {}) {
    this.lib = options.library ?? speexLibrary();
    this.frameSamples = options.frameSamples ?? SAMPLE_RATE / 100;
    this.out = new Int16Array(this.frameSamples);
    const filterLength = Math.round(((options.filterMs ?? 250) * SAMPLE_RATE) / 1000);
    this.echo = this.lib.echoInit(this.frameSamples, filterLength);
    if (!this.echo) throw new EchoCancellerUnavailable("speexdsp's echo canceller could not start");
    this.lib.echoControl(this.echo, SPEEX_ECHO_SET_SAMPLING_RATE, Int32Array.of(SAMPLE_RATE));
    if (options.residualSuppression ?? true) {
      this.preprocess = this.lib.preprocessInit(this.frameSamples, SAMPLE_RATE);
      if (this.preprocess)
        this.lib.preprocessControl(this.preprocess, SPEEX_PREPROCESS_SET_ECHO_STATE, this.echo);
    }
    const { lib, echo, preprocess } = this;
    const free = () => {
      if (preprocess) lib.preprocessDestroy(preprocess);
      lib.echoDestroy(echo);
    };
    released.register(this, free, this);
  }

  /**
   * The microphone's samples with the echo of `played` taken out. `played` is what sounded over the same
   * span (equal length). Whole frames come out; the rest waits for the next call.
   */
  process(recorded: Int16Array, played: Int16Array): Int16Array {
    if (recorded.length !== played.length)
      throw new RangeError("the microphone's samples and the played ones must span the same time");
    if (!this.echo) throw new Error("the echo canceller is closed");
    const mic = concat(this.carried.recorded, recorded);
    const reference = concat(this.carried.played, played);
    const frame = this.frameSamples;
    const whole = mic.length - (mic.length % frame);
    const cleaned = new Int16Array(whole);
    for (let offset = 0; offset < whole; offset += frame) {
      this.lib.echoCancel(
        this.echo,
        mic.subarray(offset, offset + frame),
        reference.subarray(offset, offset + frame),
        this.out,
      );
      if (this.preprocess) this.lib.preprocessRun(this.preprocess, this.out);
      cleaned.set(this.out, offset);
    }
    this.carried = { recorded: mic.slice(whole), played: reference.slice(whole) };
    return cleaned;
  }

  /** The samples still waiting for a whole frame, cleaned now (the frame made up with silence). */
  flush(): Int16Array {
    const waiting = this.carried.recorded.length;
    if (waiting === 0) return new Int16Array(0);
    const pad = new Int16Array(this.frameSamples - waiting);
    return this.process(pad, pad).subarray(0, waiting);
  }

  close(): void {
    if (!this.echo) return;
    released.unregister(this);
    if (this.preprocess) this.lib.preprocessDestroy(this.preprocess);
    this.lib.echoDestroy(this.echo);
    this.echo = undefined;
    this.preprocess = undefined;
  }
}

function concat(first: Int16Array, second: Int16Array): Int16Array {
  if (first.length === 0) return second;
  const joined = new Int16Array(first.length + second.length);
  joined.set(first);
  joined.set(second, first.length);
  return joined;
}

/** Samples per millisecond at the sample rate everything here runs at. */
const PER_MS = SAMPLE_RATE / 1000;
/** Played audio kept for lining up: longer than any microphone's delay. */
const KEEP_MS = 3000;

/**
 * What the speaker played, on one timeline of samples (performance.now() in milliseconds times 16), so the
 * played samples over any stretch of time can be read back, with silence where nothing played.
 */
export class PlaybackReference {
  private chunks: Array<{ start: number; samples: Int16Array }> = [];

  /** Every chunk the player reports (StreamingSpeaker's onPlayed). */
  add(chunk: PlayedChunk): void {
    const start = Math.round(chunk.playsAt * PER_MS);
    this.chunks.push({ start, samples: chunk.samples });
    const oldest = start - KEEP_MS * PER_MS;
    while ((this.chunks[0]?.start ?? oldest) + (this.chunks[0]?.samples.length ?? 0) < oldest)
      this.chunks.shift();
  }

  /** The played samples over `length` samples from `atMs` (performance.now() time). */
  over(atMs: number, length: number): Int16Array {
    const start = Math.round(atMs * PER_MS);
    const out = new Int16Array(length);
    for (const chunk of this.chunks) {
      const from = Math.max(start, chunk.start);
      const to = Math.min(start + length, chunk.start + chunk.samples.length);
      if (from < to) out.set(chunk.samples.subarray(from - chunk.start, to - chunk.start), from - start);
    }
    return out;
  }

  /** True when something played between `fromMs` and `toMs`. */
  playedBetween(fromMs: number, toMs: number): boolean {
    const from = fromMs * PER_MS;
    const to = toMs * PER_MS;
    return this.chunks.some((chunk) => chunk.start < to && chunk.start + chunk.samples.length > from);
  }
}

/**
 * How long after the last played sample the microphone's audio is still cleaned: the room's echo dies
 * away and the microphone's delay is taken up.
 */
const ECHO_TAIL_MS = 500;

/** Chunk arrivals over which the microphone's clock is taken: enough to hold some that came without delay. */
const CLOCK_WINDOW_MS = 3000;
/**
 * A chunk this much later than the clock says its samples could be means samples were lost (an overrun, a
 * device that stopped): the clock starts again from it. A busy event loop delays chunks, but their samples
 * wait in the pipe and arrive together, each no later than the clock allows.
 */
const LOST_MS = 500;

/**
 * When each microphone sample was captured, at the latest, from the times its chunks arrive. A chunk arrives
 * no sooner than its last sample was captured, and often later, by however long the audio stack and a busy
 * event loop held it (10 to 40 ms through PulseAudio, more in bursts). Taken chunk by chunk, that delay
 * would move the echo against the played samples by as much from one chunk to the next, and the canceller
 * cannot follow a jumping echo (3 to 4 dB taken out, where 15 dB steady). So samples are counted, and the
 * count is set on the clock by the chunk that came soonest of the last few seconds: a steady timeline, still
 * no earlier than the truth, that follows a sound card's slow drift.
 */
export class MicrophoneClock {
  private samples = 0;
  /** Each recent arrival less the audio up to its chunk's end: the time sample 0 would have been captured. */
  private bounds: Array<{ atMs: number; originMs: number }> = [];

  /** A chunk of `length` samples arrived at `arrivedMs`: when its first sample was captured, at the latest. */
  startOf(length: number, arrivedMs: number): number {
    this.samples += length;
    const originMs = arrivedMs - this.samples / PER_MS;
    const earliestSoFar = Math.min(...this.bounds.map((bound) => bound.originMs));
    if (originMs - earliestSoFar > LOST_MS) this.bounds = [];
    this.bounds.push({ atMs: arrivedMs, originMs });
    while ((this.bounds[0]?.atMs ?? arrivedMs) < arrivedMs - CLOCK_WINDOW_MS) this.bounds.shift();
    const earliest = Math.min(...this.bounds.map((bound) => bound.originMs));
    return earliest + (this.samples - length) / PER_MS;
  }
}

/**
 * The microphone's audio with the speaker's echo taken out, for a live conversation. Each chunk is paired
 * with what played while it was captured, by the microphone's clock (MicrophoneClock): no earlier than it
 * really was captured, so the played signal leads its echo and the canceller's filter (causal) can model the
 * delay. When nothing has played for a while the audio passes unchanged, so questions asked in silence are
 * heard exactly as before.
 */
export class EchoCancelledMicrophone {
  private passing = true;
  /** What the speaker played over the last chunk cleaned, lined up with it (empty when nothing was playing). */
  lastPlayed: Int16Array = new Int16Array(0);
  private readonly clock = new MicrophoneClock();

  constructor(
    private readonly canceller: Canceller,
    private readonly reference = new PlaybackReference(),
  ) {}

  /** What the speaker played (StreamingSpeaker's onPlayed): the echo to take out. */
  played(chunk: PlayedChunk): void {
    this.reference.add(chunk);
  }

  /** A chunk from the microphone, arrived at `arrivedMs` (performance.now()): the cleaned chunk. */
  clean(chunk: Int16Array, arrivedMs: number = performance.now()): Int16Array {
    const startMs = this.clock.startOf(chunk.length, arrivedMs);
    const echoing = this.reference.playedBetween(startMs - ECHO_TAIL_MS, arrivedMs);
    if (echoing) {
      this.passing = false;
      this.lastPlayed = this.reference.over(startMs, chunk.length);
      return this.canceller.process(chunk, this.lastPlayed);
    }
    this.lastPlayed = new Int16Array(0);
    if (this.passing) return chunk;
    // Back to passing: the samples the canceller still holds come first, so each sample comes out once.
    this.passing = true;
    const held = this.canceller.flush();
    const out = new Int16Array(held.length + chunk.length);
    out.set(held);
    out.set(chunk, held.length);
    return out;
  }

  close(): void {
    this.canceller.close();
  }
}
