/**
 * Speaking answers on Linux through a synthesizer that stays loaded for the whole conversation (a festival
 * process, or flite in this process) and a player this module feeds itself: sentence 1 plays while sentence 2
 * is synthesized, the played samples and their times are reported, and stop() silences within one chunk.
 */
import { herFaq } from "../command-hint.js";
import { chimeSamples } from "./chime.js";
import { FestivalProcess } from "./festival-process.js";
import { FLITE_VOICES, FliteLibrary } from "./flite-library.js";
import { PcmPlayer, type PlayedChunk } from "./pcm-player.js";
import { isSafeVoiceName, sanitizeForSpeech, sentencesOf } from "./sanitize.js";
import { installedFestivalVoices, type Speaker, SpeakerError, type Spoken } from "./speaker.js";
import { type Synthesizer, SynthesizerDied, SynthesizerUnavailable } from "./synthesizer.js";
import { trimSilence } from "./trim-silence.js";

export interface StreamingSpeakerOptions {
  /** A festival voice ("cmu_us_slt_arctic_hts") or a flite one ("flite:slt"); festival's default if absent. */
  readonly voice?: string;
  /** Speaking rate, 1 = normal. */
  readonly rate?: number;
  /** Told once when answers cannot be heard (no audio device, no synthesizer), so the caller can say so. */
  readonly onUnavailable?: (reason: string) => void;
  /** Every chunk handed to the audio device, with when it sounds: the reference for echo cancellation. */
  readonly onPlayed?: (chunk: PlayedChunk) => void;
  /** The player command, reading raw 16-bit mono 16 kHz on stdin (aplay by default). */
  readonly player?: readonly string[];
  /** Makes the synthesizer; by default from `voice`. */
  readonly synthesizer?: () => Synthesizer;
}

/**
 * How to make the synthesizer for a --voice: checked now, so a wrong name is refused before the
 * conversation starts, with the names that would work.
 */
export function synthesizerFor(voice: string | undefined, rate?: number): () => Synthesizer {
  if (voice?.startsWith("flite:")) {
    const name = voice.slice("flite:".length);
    try {
      new FliteLibrary(name).close();
    } catch (error) {
      if (error instanceof SynthesizerUnavailable) throw new SpeakerError(error.message);
      throw error;
    }
    return () => new FliteLibrary(name);
  }
  if (voice !== undefined) {
    const installed = installedFestivalVoices();
    if (!isSafeVoiceName(voice) || !installed.includes(voice)) {
      const festival = installed.length > 0 ? installed.join(", ") : "none";
      throw new SpeakerError(
        `there is no voice "${voice}"; festival has: ${festival}; flite has: ${FLITE_VOICES.map((name) => `flite:${name}`).join(", ")}`,
      );
    }
  }
  return () => new FestivalProcess({ voice, rate });
}

export class StreamingSpeaker implements Speaker {
  private readonly makeSynthesizer: () => Synthesizer;
  private synthesizer: Synthesizer | undefined;
  private readonly player: PcmPlayer;
  private queue: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private restarted = false;
  private warned = false;
  /** Set once speech cannot be made: answers are then only printed. */
  private mute = false;
  /** Sentences made ahead of time, while nothing was being said, by their text. */
  private readonly made = new Map<string, Int16Array>();
  /** Sentences still to make ahead, in order. */
  private ahead: string[] = [];
  private makingAhead = false;
  /** speak() calls not yet over: sentences are made ahead only while there are none. */
  private speaking = 0;

  constructor(private readonly options: StreamingSpeakerOptions = {}) {
    this.makeSynthesizer = options.synthesizer ?? synthesizerFor(options.voice, options.rate);
    this.player = new PcmPlayer({
      command: options.player,
      onPlayed: options.onPlayed,
      onUnavailable: (reason) => this.giveUp(reason),
    });
    // Loaded now, while the rest of the program starts, so the first answer finds it ready.
    if (!this.mute) this.synthesizer = this.makeSynthesizer();
  }

  speak(text: string): Promise<Spoken> {
    const generation = this.generation;
    const asked = performance.now();
    const sentences = sentencesOf(sanitizeForSpeech(text));
    this.speaking++;
    const spoken = this.queue
      .then(() =>
        generation === this.generation ? this.speakNow(sentences, generation, asked) : { stopped: true },
      )
      .finally(() => {
        this.speaking--;
        void this.makeAhead();
      });
    this.queue = spoken;
    return spoken;
  }

  /**
   * Makes the first sentence of each text ahead of time, while nothing is being said, so that an answer
   * beginning with one of them starts at once: the skill's answers are known before they are asked for.
   */
  prepare(texts: readonly string[]): void {
    for (const text of texts) {
      const first = sentencesOf(sanitizeForSpeech(text))[0];
      if (first && !this.made.has(first) && !this.ahead.includes(first)) this.ahead.push(first);
    }
    void this.makeAhead();
  }

  private async makeAhead(): Promise<void> {
    if (this.makingAhead) return;
    this.makingAhead = true;
    try {
      // One sentence at a time, and none while an answer is being said: an answer waits at most for the
      // one sentence under way.
      while (this.speaking === 0 && !this.mute) {
        const sentence = this.ahead.shift();
        if (sentence === undefined) break;
        const pcm = await this.synthesize(sentence);
        if (pcm) this.made.set(sentence, pcm);
      }
    } finally {
      this.makingAhead = false;
    }
  }

  /** The chime, through the player like speech, so the echo canceller knows it too. */
  chime(): void {
    if (!this.mute) this.player.enqueue(chimeSamples());
  }

  stop(): void {
    this.generation++;
    this.player.stop();
  }

  /** Ends the synthesizer and the player, for the end of a program; resolves when the player has gone. */
  close(): Promise<void> {
    this.mute = true;
    this.synthesizer?.close();
    return this.player.close();
  }

  /**
   * Each sentence is handed to the player as soon as it is made, and the next one is made while it plays.
   * First audio is counted from the speak() call to the first chunk written to the device.
   */
  private async speakNow(sentences: readonly string[], generation: number, asked: number): Promise<Spoken> {
    let firstAudioMs: number | undefined;
    for (const [index, sentence] of sentences.entries()) {
      const pcm = this.made.get(sentence) ?? (await this.synthesize(sentence));
      if (generation !== this.generation) return { firstAudioMs, stopped: true };
      if (!pcm || !this.player.available) return { firstAudioMs, stopped: false };
      this.player.enqueue(trimSilence(pcm, { last: index === sentences.length - 1 }));
      firstAudioMs ??= performance.now() - asked;
    }
    await this.player.drained();
    return { firstAudioMs, stopped: generation !== this.generation };
  }

  /** One sentence's samples; a synthesizer that died is started again once, then speech is given up. */
  private async synthesize(sentence: string): Promise<Int16Array | undefined> {
    if (this.mute || !this.synthesizer) return undefined;
    try {
      return await this.synthesizer.synthesize(sentence);
    } catch (error) {
      if (!(error instanceof SynthesizerDied) || this.restarted) {
        const again = this.restarted ? ` again after a restart; start ${herFaq("listen")} again` : "";
        this.giveUp(`${(error as Error).message}${again}`);
        return undefined;
      }
      this.restarted = true;
      this.synthesizer.close();
      this.synthesizer = this.makeSynthesizer();
      return this.synthesize(sentence);
    }
  }

  private giveUp(reason: string): void {
    this.mute = true;
    this.synthesizer?.close();
    if (this.warned) return;
    this.warned = true;
    this.options.onUnavailable?.(reason);
  }
}
