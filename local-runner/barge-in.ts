/**
 * Hears "stop" (or the wake word) said over an answer, in the microphone's audio once the answer's echo is
 * taken out (audio/echo-canceller.ts). Cheap while nobody talks: a gate runs on every 10 ms, and only what
 * it lets through, with a little audio from before it opened, reaches the recognizer. The gate wants
 * WebRTC's voice activity detector to call a frame speech and the frame to stand well above the echo left
 * after cancelling, whose usual level it follows: that residue is speech too, only 20 to 40 dB quieter
 * than the user, so speech alone or a fixed level would let it through. The recognizer's live words are
 * checked as they come; then, after a short silence, every reading of the whole utterance (the skill's own
 * phrases hear a short "stop" that open English takes for "she told").
 */
import { normalizeUtterance } from "../skill/text/normalize.js";
import { FRAME_SAMPLES, VoiceActivity } from "./audio/voice-activity.js";
import { SAMPLE_RATE } from "./audio/wav.js";
import type { SpotStream, Spotted, Spotter } from "./recognizers/keyphrase-spotter.js";
import type { RecognitionStream, Recognizer, Transcript } from "./recognizers/types.js";

/** What cutting in asks for: silence and the skill's Stop, or the wake word's "I'm listening". */
export type Interruption = "stop" | "wake";

export const DEFAULT_WAKE_WORD = "samantha";

export interface BargeInOptions {
  readonly recognizer: Recognizer;
  /** Told once per utterance that names a command. */
  readonly onInterruption: (interruption: Interruption) => void;
  readonly wakeWord?: string;
  /**
   * Listens for "stop" and the wake word by their sounds alone (recognizers/keyphrase-spotter.ts), for the
   * times the recognizer reads them as other words. What it spots interrupts only in a short utterance
   * none of whose readings `asks`.
   */
  readonly spotter?: Spotter;
  /** True for words that ask the skill something (one of its questions): a spotted word is then let go. */
  readonly asks?: (text: string) => boolean;
  /** Told of every utterance heard over an answer, what it was read as and what came of it (--verbose). */
  readonly onHeard?: (heard: HeardOverAnswer) => void;
}

/** An utterance heard over an answer: how it was read, and whether, and how, it cut the answer off. */
export interface HeardOverAnswer {
  /** Its length, with the audio kept from before the gate opened. */
  readonly ms: number;
  readonly readings: readonly string[];
  /** What the spotter aligned, when it was waited for (no reading named a command). */
  readonly spotted?: Spotted;
  readonly interruption?: Interruption;
  /** What named the command: the live words, a reading of the whole utterance, or the spotter. */
  readonly by?: "live words" | "reading" | "spotter";
}

/** Audio from before the gate opened, so the recognizer hears the word's start. */
const PRE_ROLL_MS = 300;
/** An utterance this long is a question or talk, not a command: it is let go. */
const LONGEST_MS = 3000;
/** Silence that ends an utterance: short, since the word is read only then when the live words miss it. */
const TRAILING_SILENCE_MS = 200;
/**
 * A spotted word interrupts only in an utterance this short, with the audio from before the gate opened: a
 * command said alone (a "stop" takes about 700 ms with it), not a word that sounds like one inside a question.
 */
const SPOTTED_LONGEST_MS = 1000;
/**
 * ...and only when the spotter aligned the word with at least this much audio. Over six voices "stop" took
 * 130 to 470 ms, mostly over 280; the spots in bursts of the answer's echo that get past the gate, and in
 * other words, took 130 to 260 ms (docs/voice.md, Interrupting).
 */
const SPOTTED_SHORTEST_MS = 300;
/**
 * A reading shorter than this is no question, though the skill may find one in it: "stop" over an answer is
 * read "shot" or "is shot", which the skill takes for "where was it shot" (in real time through PulseAudio,
 * two "stop"s the spotter aligned over 240 and 320 ms were let go so). A question said over an answer within
 * SPOTTED_LONGEST_MS has three words or more ("who directed her").
 */
const QUESTION_WORDS = 3;
/** Speech shorter than this opens nothing: a click, a burst of echo. */
const MIN_SPEECH_MS = 60;
/** A frame must be this many times louder than the echo's usual level (18 dB), and at least MIN_RMS. */
const OVER_ECHO = 8;
const MIN_RMS = 300;
/**
 * The echo's usual level before any has been heard: high, since the canceller may still be learning the
 * room, and its first second leaves echo peaks about 600 loud at a usual speaker level.
 */
const FIRST_ECHO_LEVEL = 150;
/**
 * How fast the level follows the frames that are not the user's: over about two seconds, so that it
 * follows the echo's level but not the rise of a word, which would raise the bar as the word is said.
 */
const ECHO_FOLLOW = 0.005;

/** Says which 10 ms frames hold the user's speech rather than what is left of the echo. */
class SpeechGate {
  private readonly activity = new VoiceActivity(1);
  private echoLevel = FIRST_ECHO_LEVEL;
  private carry = new Int16Array(0);
  /** Speech and silence heard in the utterance under way (none before it starts). */
  speechMs = 0;
  silenceMs = 0;

  /** Feeds audio; the number of speech frames in it. */
  accept(chunk: Int16Array): number {
    const samples = new Int16Array(this.carry.length + chunk.length);
    samples.set(this.carry);
    samples.set(chunk, this.carry.length);
    let offset = 0;
    let speech = 0;
    for (; offset + FRAME_SAMPLES <= samples.length; offset += FRAME_SAMPLES) {
      if (this.isSpeech(samples.subarray(offset, offset + FRAME_SAMPLES))) {
        speech++;
        this.speechMs += 10;
        this.silenceMs = 0;
      } else if (this.speechMs > 0) this.silenceMs += 10;
    }
    this.carry = samples.slice(offset);
    return speech;
  }

  /** Back to before an utterance; the echo's level is the room's and carries on. */
  restart(): void {
    this.speechMs = 0;
    this.silenceMs = 0;
  }

  private isSpeech(frame: Int16Array): boolean {
    let energy = 0;
    for (const sample of frame) energy += sample * sample;
    const rms = Math.sqrt(energy / frame.length);
    const speaking = rms > Math.max(MIN_RMS, OVER_ECHO * this.echoLevel) && this.activity.isSpeech(frame);
    if (!speaking) this.echoLevel += ECHO_FOLLOW * (rms - this.echoLevel);
    return speaking;
  }
}

export class BargeInDetector {
  private readonly gate = new SpeechGate();
  private stream: RecognitionStream | undefined;
  private spot: SpotStream | undefined;
  /** Audio given to the utterance's recognizer, its pre-roll too. */
  private streamMs = 0;
  private preRoll: Int16Array[] = [];
  private preRollMs = 0;
  /** Set once this utterance's live words have interrupted, so it does so once. */
  private fired: Interruption | undefined;
  /** Counts resets, so an utterance read after the answer is over interrupts nothing. */
  private epoch = 0;
  private readonly wakeWord: string;

  constructor(private readonly options: BargeInOptions) {
    this.wakeWord = normalizeUtterance(options.wakeWord ?? DEFAULT_WAKE_WORD);
  }

  /** Echo-cancelled microphone audio heard while an answer plays. */
  accept(chunk: Int16Array): void {
    this.gate.accept(chunk);
    const chunkMs = (chunk.length * 1000) / SAMPLE_RATE;
    if (!this.stream) {
      if (this.gate.speechMs < MIN_SPEECH_MS) {
        // Too little to open on: a lone loud frame is let go with the silence after it.
        if (this.gate.silenceMs >= TRAILING_SILENCE_MS) this.gate.restart();
        this.keep(chunk, chunkMs);
        return;
      }
      this.stream = this.options.recognizer.start();
      this.spot = this.options.spotter?.start();
      for (const earlier of this.preRoll) {
        this.stream.accept(earlier);
        this.spot?.accept(earlier);
      }
      this.streamMs = this.preRollMs;
      this.preRoll = [];
      this.preRollMs = 0;
    }
    const { partial } = this.stream.accept(chunk);
    this.spot?.accept(chunk);
    this.streamMs += chunkMs;
    if (partial) this.check(partial);
    if (this.gate.silenceMs >= TRAILING_SILENCE_MS || this.streamMs >= LONGEST_MS) this.endUtterance();
  }

  /** Lets go of any utterance under way: the answer is over, or was cut off. */
  reset(): void {
    this.epoch++;
    this.preRoll = [];
    this.preRollMs = 0;
    this.endUtterance();
  }

  private keep(chunk: Int16Array, chunkMs: number): void {
    this.preRoll.push(chunk.slice());
    this.preRollMs += chunkMs;
    while (this.preRoll.length > 1 && this.preRollMs - chunkMs >= PRE_ROLL_MS) {
      const dropped = this.preRoll.shift() as Int16Array;
      this.preRollMs -= (dropped.length * 1000) / SAMPLE_RATE;
    }
  }

  /** The utterance is over: read whole, any of its readings may name a command the live words missed. */
  private endUtterance(): void {
    const { stream, spot, fired, epoch, streamMs } = this;
    this.stream = undefined;
    this.spot = undefined;
    this.streamMs = 0;
    this.fired = undefined;
    this.gate.restart();
    if (!stream) return;
    // Both finished even when one has named a command: each must end its utterance before the next starts.
    const spotted = spot?.finish().catch(() => undefined);
    stream
      .finish()
      .then(async (transcript: Transcript) => {
        const readings = transcript.readings.map((reading) => reading.text);
        const heard = (more: Omit<HeardOverAnswer, "ms" | "readings">) =>
          this.options.onHeard?.({ ms: streamMs, readings, ...more });
        if (fired) return heard({ interruption: fired, by: "live words" });
        const live = () => epoch === this.epoch;
        if (!live()) return;
        // The readings first: the spotter is waited for only when none of them names a command.
        const read = readings.map((text) => this.named(text)).find((named) => named);
        if (read) {
          heard({ interruption: read, by: "reading" });
          return this.options.onInterruption(read);
        }
        const found = await spotted;
        const interruption = this.spotted(found, streamMs, transcript);
        if (!live()) return;
        heard({
          ...(found ? { spotted: found } : {}),
          ...(interruption ? { interruption, by: "spotter" } : {}),
        });
        if (interruption) this.options.onInterruption(interruption);
      })
      .catch(() => undefined);
  }

  private check(partial: string): void {
    const interruption = this.named(partial);
    if (this.fired || !interruption) return;
    this.fired = interruption;
    this.options.onInterruption(interruption);
  }

  /** What a spotted word asks for: only in a short utterance that none of its readings makes a question. */
  private spotted(
    spotted: Spotted | undefined,
    streamMs: number,
    transcript: Transcript,
  ): Interruption | undefined {
    if (!spotted || spotted.ms < SPOTTED_SHORTEST_MS || streamMs > SPOTTED_LONGEST_MS) return undefined;
    const { asks } = this.options;
    const question = (text: string) =>
      normalizeUtterance(text).split(" ").length >= QUESTION_WORDS && asks?.(text);
    if (transcript.readings.some((reading) => question(reading.text))) return undefined;
    return this.named(spotted.phrase);
  }

  /** The command the words name, if any: "stop" wins over the wake word ("samantha stop"). */
  private named(text: string): Interruption | undefined {
    const words = normalizeUtterance(text).split(" ");
    if (words.includes("stop")) return "stop";
    return words.includes(this.wakeWord) ? "wake" : undefined;
  }
}
