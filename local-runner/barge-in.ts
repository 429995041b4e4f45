/**
 * Hears "stop" (or the wake word) said over an answer, in the microphone's audio once the answer's echo is
 * taken out (audio/echo-canceller.ts). Cheap while nobody talks: a gate runs on every 10 ms, and only what
 * it lets through, with a little audio from before it opened, reaches the recognizer. The gate wants
 * WebRTC's voice activity detector to call a frame speech and the frame to stand well above the echo left
 * after cancelling, whose usual level it follows: that residue is speech too, only 20 to 40 dB quieter
 * than the user, so speech alone or a fixed level would let it through. The recognizer's live words are
 * checked as they come; then, after a short silence, every reading of the whole utterance (the skill's own
 * phrases hear a short "stop" that open English takes for "she told"). Networks trained for a word
 * (wake/command-networks.ts: "stop") hear all the cleaned audio, and what they hear counts while the gate
 * hears the user say something short, unless what the speaker played just before held the word too.
 */
import { normalizeUtterance } from "../skill/text/normalize.js";
import { FRAME_SAMPLES, VoiceActivity } from "./audio/voice-activity.js";
import { SAMPLE_RATE } from "./audio/wav.js";
import type { SpotStream, Spotted, Spotter } from "./recognizers/keyphrase-spotter.js";
import type { RecognitionStream, Recognizer, Transcript } from "./recognizers/types.js";
import { type Network, networksOf, type WakeModelFile } from "./wake/network.js";
import { PeakPicker } from "./wake/network-detector.js";
import { SCORE_STRIDE, WindowScores } from "./wake/window-scores.js";

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
   * none of whose readings asks a question (`understood`).
   */
  readonly spotter?: Spotter;
  /**
   * How fully words ask one of the skill's questions (not a built-in intent such as Stop): 0 when they ask
   * none, 1 for one of its own sentences, a paraphrase's confidence between. A spotted word in an utterance
   * one of whose readings asks something is let go; so is a network's word heard in one whose live words
   * already are a whole question (1, as semantic endpointing takes a complete one): "What is Her?" said
   * over an answer is about as short as "stop".
   */
  readonly understood?: (text: string) => number;
  /** Told of every utterance heard over an answer, what it was read as and what came of it (--verbose). */
  readonly onHeard?: (heard: HeardOverAnswer) => void;
  /**
   * Networks that hear a command word by its sound (wake/network.ts, trained by `npm run train:wake --
   * --word stop`), on all the cleaned audio. What one hears interrupts only while the gate has the user's
   * speech: in an utterance under way or just ended, no longer than the network's `longestMs`.
   */
  readonly networks?: readonly CommandNetwork[];
}

/** A word network, what its word asks for, and how long an utterance it may be heard in. */
export interface CommandNetwork {
  readonly model: WakeModelFile;
  readonly interruption: Interruption;
  /** Heard later in an utterance than this (its pre-roll too), the word is let go: it was not said alone. */
  readonly longestMs: number;
}

/** An utterance heard over an answer: how it was read, and whether, and how, it cut the answer off. */
export interface HeardOverAnswer {
  /** Its length, with the audio kept from before the gate opened. */
  readonly ms: number;
  readonly readings: readonly string[];
  /** What the spotter aligned, when it was waited for (no reading named a command). */
  readonly spotted?: Spotted;
  readonly interruption?: Interruption;
  /** What named the command: the live words, a reading of the whole utterance, the spotter or a network. */
  readonly by?: "live words" | "reading" | "spotter" | "network";
  /** Why a network's word heard in it was let go. */
  readonly networkLetGo?: NetworkLetGo;
}

/** Why a network's word was let go: the live words were one of the skill's questions, or speech went on. */
export type NetworkLetGo = "a question" | "speech went on";

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
/**
 * A network hears its word some steps after the word ends, by when the gate may have ended the utterance
 * (after TRAILING_SILENCE_MS): what it hears this soon after one ends still counts for it.
 */
const NETWORK_LATE_MS = 400;
/**
 * A network's word heard while the utterance goes on is acted on once it proves said alone: this much of the
 * gate's silence after it, or the utterance's end. A question goes on instead ("who stars | in her", "why
 * is her con|sidered": a "stop" network hears its word in "stars" and "con"), and is let go when the gate
 * hears SPEECH_GOES_ON_MS more of it first.
 */
const ALONE_SILENCE_MS = 100;
const SPEECH_GOES_ON_MS = 60;
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

/** What came of an utterance: set once it has interrupted (by its live words or a network), so it does so once. */
interface Outcome {
  fired?: Interruption;
  by?: "live words" | "network";
  /** Set once its readings have been told of (onHeard): what a network hears later is told of on its own. */
  readings?: readonly string[];
  /** Its live words so far: the recognizer's latest partial reading. */
  partial?: string;
  networkLetGo?: NetworkLetGo;
}

/** A command network as it listens: its scores of the cleaned audio, and their runs over its threshold. */
interface ListeningNetwork {
  windows: WindowScores;
  peaks: PeakPicker;
  readonly network: CommandNetwork;
  /** Its weights, decoded from the model file once. */
  readonly weights: readonly Network[];
  /** Its scores of what the speaker played, and when each came (audio heard then, ms). */
  played: WindowScores;
  playedScores: { score: number; atMs: number }[];
}

/**
 * A word the network hears while it also heard it, or nearly, in what the speaker played this long before
 * is the answer's own: its echo, left after cancelling (over answers, "story" and "title" said by listen's
 * voice were heard as "stop" so). What the speaker plays reaches the microphone 30 to 100 ms later.
 */
const PLAYED_WITHIN_MS = 600;
/** ...nearly: a score of what was played this high (smoothed as the model asks: the mean of four) counts. */
const PLAYED_SCORE = 0.5;

export class BargeInDetector {
  private readonly gate = new SpeechGate();
  private stream: RecognitionStream | undefined;
  private spot: SpotStream | undefined;
  /** Audio given to the utterance's recognizer, its pre-roll too. */
  private streamMs = 0;
  private preRoll: Int16Array[] = [];
  private preRollMs = 0;
  private outcome: Outcome = {};
  /** The utterance that ended last, while networks may still hear its word: its length, end and outcome. */
  private recent: { readonly ms: number; readonly endedMs: number; readonly outcome: Outcome } | undefined;
  /** A network's word heard in the utterance under way, waiting to prove said alone; the gate's speech then. */
  private pending:
    | { readonly interruption: Interruption; readonly outcome: Outcome; readonly speechMs: number }
    | undefined;
  /** Audio heard since the detector began. */
  private heardMs = 0;
  /** Counts resets, so an utterance read after the answer is over interrupts nothing. */
  private epoch = 0;
  private readonly wakeWord: string;
  private readonly networks: readonly ListeningNetwork[];

  constructor(private readonly options: BargeInOptions) {
    this.wakeWord = normalizeUtterance(options.wakeWord ?? DEFAULT_WAKE_WORD);
    this.networks = (options.networks ?? []).map((network) => {
      const weights = networksOf(network.model);
      return { network, weights, ...listeningAfresh(network, weights) };
    });
  }

  /** Echo-cancelled microphone audio heard while an answer plays. */
  accept(chunk: Int16Array): void {
    const chunkMs = (chunk.length * 1000) / SAMPLE_RATE;
    this.heardMs += chunkMs;
    this.listen(chunk, chunkMs);
    this.settle();
    for (const listening of this.networks)
      for (const { score, frame } of listening.windows.scores(chunk)) {
        listening.peaks.next(score, frame);
        if (listening.peaks.running === listening.peaks.steps && !this.playedIt(listening))
          this.networkHeard(listening.network);
      }
  }

  /**
   * What the speaker played over the chunk to be accepted next (the echo canceller's reference, lined up
   * with it): the networks hear it too, so that a word the answer itself says is known for its echo.
   */
  played(chunk: Int16Array): void {
    for (const listening of this.networks) {
      for (const { score } of listening.played.scores(chunk))
        listening.playedScores.push({ score, atMs: this.heardMs });
      while ((listening.playedScores[0]?.atMs ?? this.heardMs) < this.heardMs - PLAYED_WITHIN_MS)
        listening.playedScores.shift();
    }
  }

  /** True when what was played just before held the network's word, or nearly: its scores smoothed as the model asks. */
  private playedIt(listening: ListeningNetwork): boolean {
    const nearly = new PeakPicker(PLAYED_SCORE, 1, listening.network.model.smooth ?? 1);
    return listening.playedScores.some(({ score }, index) => {
      nearly.next(score, index * SCORE_STRIDE);
      return nearly.running > 0;
    });
  }

  /** The gate, and the recognizer and spotter on what it lets through. */
  private listen(chunk: Int16Array, chunkMs: number): void {
    this.gate.accept(chunk);
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
    this.recent = undefined;
    this.pending = undefined;
    // The networks start afresh with the next answer: a window of this one's end spliced to the next one's
    // start is no sound anyone made (over the first second of answers its echo was heard as "stop" so). The
    // first second of an answer is left to the recognizer and the spotter.
    for (const listening of this.networks)
      Object.assign(listening, listeningAfresh(listening.network, listening.weights));
  }

  /**
   * A network heard its word: it interrupts if the gate has the user speaking, in an utterance under way or
   * one just ended, short enough for the word to be said alone ("stop"), not yet acted on, and not already
   * one of the skill's questions; in an utterance under way, once the silence after it comes (settle).
   */
  private networkHeard({ interruption, longestMs }: CommandNetwork): void {
    const recent =
      this.recent && this.heardMs - this.recent.endedMs <= NETWORK_LATE_MS ? this.recent : undefined;
    const utterance = this.stream ? { ms: this.streamMs, outcome: this.outcome } : recent;
    if (!utterance || utterance.ms > longestMs || utterance.outcome.fired || this.pending) return;
    if (this.aQuestion(utterance.outcome)) {
      utterance.outcome.networkLetGo = "a question";
      return;
    }
    if (this.stream) this.pending = { interruption, outcome: this.outcome, speechMs: this.gate.speechMs };
    else this.networkActs(interruption, utterance.ms, utterance.outcome);
  }

  /** The live words are already one of the skill's questions: a word heard was in it, not said alone. */
  private aQuestion(outcome: Outcome): boolean {
    return outcome.partial !== undefined && this.asks(outcome.partial, "wholly");
  }

  /** A network's word waiting in the utterance under way: acted on once said alone, let go if speech goes on. */
  private settle(): void {
    const { pending } = this;
    if (!pending) return;
    const { outcome, interruption } = pending;
    const underWay = this.stream !== undefined && outcome === this.outcome;
    const goesOn = underWay && this.gate.speechMs - pending.speechMs >= SPEECH_GOES_ON_MS;
    if (underWay && !goesOn && this.gate.silenceMs < ALONE_SILENCE_MS) return;
    this.pending = undefined;
    if (outcome.fired) return;
    if (goesOn || this.aQuestion(outcome)) {
      outcome.networkLetGo = goesOn ? "speech went on" : "a question";
      return;
    }
    this.networkActs(interruption, underWay ? this.streamMs : (this.recent?.ms ?? 0), outcome);
  }

  private networkActs(interruption: Interruption, ms: number, outcome: Outcome): void {
    outcome.fired = interruption;
    outcome.by = "network";
    // Its readings were told of already ("let go"): this is told of on its own.
    if (outcome.readings)
      this.options.onHeard?.({ ms, readings: outcome.readings, interruption, by: "network" });
    this.options.onInterruption(interruption);
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
    const { stream, spot, outcome, epoch, streamMs } = this;
    this.stream = undefined;
    this.spot = undefined;
    this.streamMs = 0;
    this.outcome = {};
    this.gate.restart();
    if (!stream) return;
    this.recent = { ms: streamMs, endedMs: this.heardMs, outcome };
    // Both finished even when one has named a command: each must end its utterance before the next starts.
    const spotted = spot?.finish().catch(() => undefined);
    stream
      .finish()
      .then(async (transcript: Transcript) => {
        const readings = transcript.readings.map((reading) => reading.text);
        const heard = (more: Omit<HeardOverAnswer, "ms" | "readings">) => {
          outcome.readings = readings;
          const letGo = more.interruption ? undefined : outcome.networkLetGo;
          this.options.onHeard?.({
            ms: streamMs,
            readings,
            ...more,
            ...(letGo ? { networkLetGo: letGo } : {}),
          });
        };
        // Named by the live words, or heard by a network while the readings were being taken.
        if (outcome.fired) return heard({ interruption: outcome.fired, by: outcome.by });
        const live = () => epoch === this.epoch;
        if (!live()) return;
        // The readings first: the spotter is waited for only when none of them names a command.
        const read = readings.map((text) => this.named(text)).find((named) => named);
        if (read) {
          outcome.fired = read;
          heard({ interruption: read, by: "reading" });
          return this.options.onInterruption(read);
        }
        const found = await spotted;
        const interruption = outcome.fired ? undefined : this.spotted(found, streamMs, transcript);
        if (!live()) return;
        if (outcome.fired) return heard({ interruption: outcome.fired, by: outcome.by });
        if (interruption) outcome.fired = interruption;
        heard({
          ...(found ? { spotted: found } : {}),
          ...(interruption ? { interruption, by: "spotter" } : {}),
        });
        if (interruption) this.options.onInterruption(interruption);
      })
      .catch(() => undefined);
  }

  private check(partial: string): void {
    this.outcome.partial = partial;
    const interruption = this.named(partial);
    if (this.outcome.fired || !interruption) return;
    this.outcome.fired = interruption;
    this.outcome.by = "live words";
    this.options.onInterruption(interruption);
  }

  /** What a spotted word asks for: only in a short utterance that none of its readings makes a question. */
  private spotted(
    spotted: Spotted | undefined,
    streamMs: number,
    transcript: Transcript,
  ): Interruption | undefined {
    if (!spotted || spotted.ms < SPOTTED_SHORTEST_MS || streamMs > SPOTTED_LONGEST_MS) return undefined;
    if (transcript.readings.some((reading) => this.asks(reading.text, "at all"))) return undefined;
    return this.named(spotted.phrase);
  }

  /** True when the words, of QUESTION_WORDS or more, ask one of the skill's questions: at all, or wholly. */
  private asks(text: string, how: "at all" | "wholly"): boolean {
    if (normalizeUtterance(text).split(" ").length < QUESTION_WORDS) return false;
    const understood = this.options.understood?.(text) ?? 0;
    return how === "wholly" ? understood === 1 : understood > 0;
  }

  /** The command the words name, if any: "stop" wins over the wake word ("samantha stop"). */
  private named(text: string): Interruption | undefined {
    const words = normalizeUtterance(text).split(" ");
    if (words.includes("stop")) return "stop";
    return words.includes(this.wakeWord) ? "wake" : undefined;
  }
}

/** A network's runs of scores over its threshold, as its model file sets them. */
const picker = (model: WakeModelFile) => new PeakPicker(model.threshold, model.steps ?? 1, model.smooth ?? 1);

/** A network's scores and runs, of the microphone and of what was played, before any audio. */
const listeningAfresh = (network: CommandNetwork, weights: readonly Network[]) => ({
  windows: new WindowScores(weights),
  peaks: picker(network.model),
  played: new WindowScores(weights),
  playedScores: [],
});
