/**
 * A spoken conversation's turn-taking, for every engine alike: microphone audio in, one endpointer deciding
 * when the user has finished, the recognizer's reading sent to the skill, the answer spoken. Silence is
 * handled as Alexa does: after a while the skill's reprompt, then the session ends. Time is counted in
 * audio, not on the clock, so the same recording always takes the same turns; the clock only times them.
 */
import { performance } from "node:perf_hooks";
import { SAMPLE_RATE } from "./audio/wav.js";
import { BargeInDetector, type CommandNetwork, type HeardOverAnswer, type Interruption } from "./barge-in.js";
import type { Conversation, Turn } from "./conversation.js";
import { understanding } from "./decision.js";
import { Endpointer } from "./recognizers/endpointer.js";
import type { Spotter } from "./recognizers/keyphrase-spotter.js";
import {
  NOTHING_HEARD,
  type RecognitionStream,
  type Recognizer,
  type Transcript,
} from "./recognizers/types.js";
import { heardNothing, readTranscript } from "./voice.js";

/** Silence this long with nothing said brings the reprompt; as long again ends the session (Alexa: 8 s). */
export const SILENCE_MS = 8000;
/** Audio is taken 100 ms at a time, so an utterance ends where its silence is, whatever the capture size. */
const STEP_SAMPLES = SAMPLE_RATE / 10;
/**
 * Silence that ends a turn whose words so far are already one of the skill's own sentences ("who directed
 * her"): the answer need not wait out the endpointer's full pause (semantic endpointing).
 */
export const COMPLETE_QUESTION_SILENCE_MS = 250;

/**
 * Audio kept from before the speech that a turn read again begins with (resume()): enough for the first
 * words' onset, which the endpointer counts as speech only after 200 ms of it.
 */
const LEAD_KEPT_MS = 1000;

/** Drops the oldest chunks while those left still hold `samples`. */
function keepLast(chunks: Int16Array[], samples: number): void {
  let total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  while (chunks.length > 1 && total - (chunks[0]?.length ?? 0) >= samples)
    total -= chunks.shift()?.length ?? 0;
}

/** How long each step of a turn took, for --verbose and the JSON lines of a live conversation. */
export interface TurnTiming {
  /** Silence heard after the last speech before the turn was ended (audio time). */
  readonly endpointMs: number;
  /** True when the words were a complete question and the short silence ended the turn. */
  readonly complete: boolean;
  /** From the end of the turn to the recognizer's transcript. */
  readonly readingMs: number;
  /** The skill's answer, from the transcript. */
  readonly skillMs: number;
  /** performance.now() when the skill had answered: the speaker's first audio is timed from here. */
  readonly answeredAt: number;
}

export interface VoiceLoopIO {
  /**
   * Says (and shows) what the skill said; resolves once it has been said. An answer to something heard
   * comes with its timing.
   */
  say(speech: string, turn?: Turn, timing?: TurnTiming): Promise<void>;
  /** What the user is heard saying: live while they speak, then the words the skill acts on. */
  heard?(text: string, final: boolean): void;
  /** The skill has had its say: the user is listened to now. */
  listening?(): void;
  /** The user has finished: what they said is being read and answered. */
  thinking?(): void;
  /**
   * True when answers are spoken aloud, so the microphone would hear them back: audio arriving during an
   * answer is then dropped (or, with `interrupt`, only listened to for "stop"). Answers only printed keep
   * it, to be heard after.
   */
  readonly aloud: boolean;
  /**
   * Silences the answer being spoken: the user said "stop" or the wake word over it. Given only when the
   * audio the loop hears has the answers' echo taken out (audio/echo-canceller.ts), since the answer's own
   * words must not cut it off; without it nothing heard during an answer interrupts it.
   */
  interrupt?(): void;
  /** With a wake word: nothing is being asked, the wake word is awaited. */
  waiting?(): void;
  /** The wake word was heard: the question is listened for (in the same breath, or after a pause). */
  woken?(): void;
  /** The wake word was heard alone, no question yet begun: a short sound says the user is listened to. */
  chime?(): void;
}

/** What listens for the wake word between conversations (wake-word.ts). */
export interface WakeListener {
  accept(chunk: Int16Array): void;
  /** Starts listening afresh; the loop calls it whenever a conversation is over. */
  listenAgain(): void;
}

export interface VoiceLoopOptions {
  readonly recognizer: Recognizer;
  readonly conversation: Conversation;
  readonly io: VoiceLoopIO;
  readonly silenceMs?: number;
  /** The word that, said over an answer, silences it to listen ("samantha" by default). */
  readonly wakeWord?: string;
  /**
   * Conversations begin with the wake word instead of a welcome, and when one ends the loop waits for the
   * word again, until stop(): the listener tells the loop of the word through woken().
   */
  readonly wake?: WakeListener;
  /** Hears "stop" and the wake word over an answer by their sounds, where the recognizer misreads them. */
  readonly spotter?: Spotter;
  /** Networks that hear "stop" (or the wake word) over an answer by their sounds (barge-in.ts). */
  readonly commandNetworks?: readonly CommandNetwork[];
  /** Told of every utterance heard over an answer and what came of it (listen --verbose). */
  readonly onHeardOverAnswer?: (heard: HeardOverAnswer) => void;
}

export class VoiceLoop {
  /** Settles when the conversation is over: the skill ended it, or the user stayed silent. */
  readonly finished: Promise<void>;
  private settle: (error?: unknown) => void = () => undefined;
  private stream: RecognitionStream | undefined;
  private endpointer = new Endpointer();
  private busy = true;
  private over = false;
  private readonly queued: Int16Array[] = [];
  private quietMs = 0;
  /** The live words last shown, so they are shown again only when they change. */
  private partial: string | undefined;
  private repromptsSaid = 0;
  private reprompt: string | undefined;
  private readonly silenceMs: number;
  /** When the turn was ended, and how (for its timing). */
  private ended: { at: number; endpointMs: number; complete: boolean } | undefined;
  /** The user's turn so far, kept to be read again when speech resumes after a pause read early. */
  private turnAudio: Int16Array[] = [];
  /** The turn read as if it had ended at the present pause (readAtPause), while the pause lasts. */
  private early: Promise<Transcript> | undefined;
  /** True once the present pause has been read early. */
  private readInPause = false;
  /** Listens for "stop" over answers, when they can be interrupted. */
  private readonly bargeIn: BargeInDetector | undefined;
  /** What the user cut in with during the answer now playing. */
  private interruption: Interruption | undefined;
  /** performance.now() when the interruption was heard. */
  private interruptedAt: number | undefined;
  /** True while the skill's words are being said. */
  private speaking = false;
  /** True while only the wake word is listened for. */
  private waiting = false;

  constructor(private readonly options: VoiceLoopOptions) {
    this.silenceMs = options.silenceMs ?? SILENCE_MS;
    if (options.io.aloud && options.io.interrupt)
      this.bargeIn = new BargeInDetector({
        recognizer: options.recognizer,
        wakeWord: options.wakeWord,
        ...(options.spotter ? { spotter: options.spotter } : {}),
        ...(options.commandNetworks ? { networks: options.commandNetworks } : {}),
        understood: (text) => {
          const resolution = options.conversation.resolve(text);
          return resolution.kind === "intent" && !resolution.intent.startsWith("AMAZON.")
            ? understanding(resolution)
            : 0;
        },
        onInterruption: (interruption) => this.interrupted(interruption),
        ...(options.onHeardOverAnswer ? { onHeard: options.onHeardOverAnswer } : {}),
      });
    this.finished = new Promise<void>((resolve, reject) => {
      this.settle = (error?: unknown) => {
        this.over = true;
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    // Nothing may escape as an unhandled rejection before a caller awaits `finished`.
    this.finished.catch(() => undefined);
  }

  /**
   * Opens the skill and speaks its welcome; audio heard meanwhile is handled as during any answer. With a
   * wake word, waits for it instead.
   */
  begin(): void {
    if (this.options.wake) this.waitForWake();
    else this.work(async () => this.answer(await this.options.conversation.launch()));
  }

  /**
   * The wake word was heard: what follows is the question, its first audio `after` (heard after the word,
   * before the listener told of it). Alexa's follow-up mode: the session's next questions need no wake word.
   */
  woken(after: Int16Array = new Int16Array(0)): void {
    if (this.over || !this.waiting) return;
    this.waiting = false;
    this.reprompt = undefined;
    this.repromptsSaid = 0;
    this.listen();
    this.options.io.woken?.();
    this.hear(after);
    // Said in the same breath, the question has begun: no chime over it.
    if (!this.endpointer.heardSpeech) this.options.io.chime?.();
  }

  /** Audio from the microphone, in chunks of any size. */
  hear(chunk: Int16Array): void {
    for (let offset = 0; offset < chunk.length; offset += STEP_SAMPLES)
      this.step(chunk.subarray(offset, offset + STEP_SAMPLES));
  }

  /**
   * What the speaker played over the microphone's next chunk (the echo canceller's reference, lined up with
   * it), given before that chunk: over an answer, the word networks hear the answer's own words in it.
   */
  played(chunk: Int16Array): void {
    if (this.busy && this.speaking && !this.interruption && chunk.length > 0) this.bargeIn?.played(chunk);
  }

  /** Ends the conversation from outside (Ctrl-C, a lost microphone); with an error, `finished` rejects. */
  stop(error?: unknown): void {
    if (!this.over) this.settle(error);
  }

  private step(chunk: Int16Array): void {
    if (this.over) return;
    if (this.waiting) {
      this.options.wake?.accept(chunk);
      return;
    }
    if (this.busy) {
      // After the wake word, what follows is the question: kept for when the answer has stopped.
      if (!this.options.io.aloud || this.interruption === "wake") this.queued.push(chunk);
      else if (this.speaking && !this.interruption) this.bargeIn?.accept(chunk);
      return;
    }
    // A copy: the caller may reuse its buffer, and the turn may be read again from it (resume()).
    this.turnAudio.push(chunk.slice());
    const paused = this.endpointer.accept(chunk);
    // Before speech, only the last moments: a turn read again need not wade through the wait before it.
    if (!this.endpointer.heardSpeech) keepLast(this.turnAudio, (LEAD_KEPT_MS * SAMPLE_RATE) / 1000);
    if (this.early === undefined) {
      this.stream ??= this.options.recognizer.start();
      const { partial } = this.stream.accept(chunk);
      if (partial && partial !== this.partial) this.options.io.heard?.(partial, false);
      this.partial = partial;
    }
    this.quietMs = this.endpointer.heardSpeech ? 0 : this.quietMs + (chunk.length * 1000) / SAMPLE_RATE;
    if (paused) this.endTurn(false);
    else if (this.quietMs >= this.silenceMs) this.work(() => this.silence());
    else if (this.endpointer.silenceAfterSpeechMs >= COMPLETE_QUESTION_SILENCE_MS) this.readAtPause();
    else {
      this.readInPause = false;
      if (this.early) this.resume();
    }
  }

  /** Ends the user's turn, after the endpointer's full pause or (`complete`) a whole question's short one. */
  private endTurn(complete: boolean): void {
    this.ended = { at: performance.now(), endpointMs: this.endpointer.silenceAfterSpeechMs, complete };
    this.options.io.thinking?.();
    this.work(() => this.utterance());
  }

  /**
   * A short pause after words: the utterance is read as if it had ended here (the recognizer's live words
   * are one search's first guess, which often lacks a question's last word), and if it is already one of the
   * skill's own sentences, the turn ends at once (semantic endpointing). Otherwise the reading waits: it is
   * the turn's if the pause lasts, and dropped if speech resumes (resume()).
   */
  private readAtPause(): void {
    const { stream } = this;
    if (this.readInPause || !stream || !this.partial) return;
    this.readInPause = true;
    this.stream = undefined;
    const early = stream.finish();
    this.early = early;
    early
      .then((transcript) => {
        const current = this.early === early && !this.busy && !this.over;
        if (!current || this.endpointer.silenceAfterSpeechMs < COMPLETE_QUESTION_SILENCE_MS) return;
        const { resolution } = readTranscript(this.options.conversation, transcript);
        if (resolution.kind === "intent" && understanding(resolution) === 1) this.endTurn(true);
      })
      .catch((error: unknown) => this.stop(error));
  }

  /** Speech after a pause read early: the turn's audio so far is read again, in a new utterance. */
  private resume(): void {
    this.early = undefined;
    const stream = this.options.recognizer.start();
    for (const chunk of this.turnAudio) stream.accept(chunk);
    this.stream = stream;
  }

  /** "stop" or the wake word over an answer: silenced at once, then acted on when its turn has wound up. */
  private interrupted(interruption: Interruption): void {
    if (this.over || !this.busy || this.interruption) return;
    this.interruption = interruption;
    this.interruptedAt = performance.now();
    this.options.io.interrupt?.();
  }

  /** Runs one piece of the skill's side; the user is listened to again when it is done. */
  private work(task: () => Promise<void>): void {
    this.busy = true;
    task()
      .then(() => {
        if (this.over) return;
        if (this.options.conversation.ended) {
          this.interruption = undefined;
          this.bargeIn?.reset();
          return this.options.wake ? this.waitForWake() : this.settle();
        }
        const interruption = this.interruption;
        this.interruption = undefined;
        this.bargeIn?.reset();
        if (interruption === "stop") return this.work(() => this.stopped());
        this.listen();
        this.options.io.listening?.();
        for (const waiting of this.queued.splice(0)) this.step(waiting);
      })
      .catch((error: unknown) => this.stop(error));
  }

  /** A fresh turn: the user is listened to. */
  private listen(): void {
    this.stream = undefined;
    this.endpointer = new Endpointer();
    this.quietMs = 0;
    this.partial = undefined;
    this.ended = undefined;
    this.turnAudio = [];
    this.early = undefined;
    this.readInPause = false;
    this.busy = false;
  }

  /** Between conversations: only the wake word is listened for. */
  private waitForWake(): void {
    this.queued.length = 0;
    this.busy = false;
    this.waiting = true;
    this.options.wake?.listenAgain();
    this.options.io.waiting?.();
  }

  private async utterance(): Promise<void> {
    const transcript = await this.finishStream();
    if (heardNothing(transcript)) return this.silence();
    // The words shown are the words answered: the reading the skill acts on.
    const { conversation } = this.options;
    const decision = readTranscript(conversation, transcript);
    this.options.io.heard?.(decision.text, true);
    this.repromptsSaid = 0;
    const read = performance.now();
    const turn = await conversation.send(decision.resolution, decision.text);
    const answeredAt = performance.now();
    const ended = this.ended ?? { at: read, endpointMs: 0, complete: false };
    await this.answer(turn, {
      endpointMs: ended.endpointMs,
      complete: ended.complete,
      readingMs: read - ended.at,
      skillMs: answeredAt - read,
      answeredAt,
    });
  }

  /**
   * "stop" said over an answer: the user's turn, as if said after it (the skill's Stop). Timed like any
   * turn, from the moment it was heard: no endpoint (it is acted on as soon as it is heard), and the
   * interrupted answer's winding up as its reading.
   */
  private async stopped(): Promise<void> {
    const { conversation } = this.options;
    const heardAt = this.interruptedAt ?? performance.now();
    this.options.io.heard?.("stop", true);
    this.repromptsSaid = 0;
    const read = performance.now();
    const turn = await conversation.send(conversation.resolve("stop"), "stop");
    const answeredAt = performance.now();
    await this.answer(turn, {
      endpointMs: 0,
      complete: true,
      readingMs: read - heardAt,
      skillMs: answeredAt - read,
      answeredAt,
    });
  }

  /** Nothing said: the reprompt once, as Alexa does; then the session ends. */
  private async silence(): Promise<void> {
    await this.finishStream();
    // Woken, then nothing asked: no session was opened, so none is ended; the wake word is awaited again.
    if (this.options.conversation.ended) return;
    if (this.reprompt && this.repromptsSaid === 0) {
      this.repromptsSaid += 1;
      return this.say(this.reprompt);
    }
    await this.options.conversation.send({ kind: "end", reason: "EXCEEDED_MAX_REPROMPTS" });
  }

  /**
   * Has the skill's words said; only meanwhile is "stop" listened for, so that the recognizer is never
   * started for it while a turn's own reading is being finished.
   */
  private async say(speech: string, turn?: Turn, timing?: TurnTiming): Promise<void> {
    this.speaking = true;
    try {
      await this.options.io.say(speech, turn, timing);
    } finally {
      this.speaking = false;
    }
  }

  private async answer(turn: Turn, timing?: TurnTiming): Promise<void> {
    this.reprompt = turn.reprompt;
    if (turn.speech) await this.say(turn.speech, turn, timing);
  }

  /** The turn's reading: the one taken at its last pause if it was (readAtPause), else its stream's. */
  private async finishStream(): Promise<Transcript> {
    const { early, stream } = this;
    this.early = undefined;
    this.stream = undefined;
    return (await (early ?? stream?.finish())) ?? NOTHING_HEARD;
  }
}
