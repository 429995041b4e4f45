/**
 * `her-faq listen`: a conversation by voice (microphone -> recognizer -> skill -> speech), or with --wav,
 * recordings answered one per line as JSON, each a fresh one-shot session.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline/promises";
import { interactionModelFor, type Locale } from "../../interaction-model/index.js";
import { voskModelPath } from "../../models/vosk-model.js";
import { faq } from "../../skill/faq/index.js";
import {
  CancelledUpstream,
  EchoCancelledMicrophone,
  EchoCanceller,
  EchoCancellerUnavailable,
} from "../audio/echo-canceller.js";
import { MicrophoneUnavailable, openMicrophone } from "../audio/microphone.js";
import { type EchoCancellerChoice, loadSystemEchoCanceller } from "../audio/system-echo-canceller.js";
import { AudioFileError, readWavFile } from "../audio/wav.js";
import { DEFAULT_WAKE_WORD, type HeardOverAnswer } from "../barge-in.js";
import { herFaq } from "../command-hint.js";
import { type Conversation, intentOf, type Turn } from "../conversation.js";
import { createRecognizer, type Engine } from "../recognizers/select.js";
import { type Recognizer, RecognizerUnavailable, transcribe, warmUp } from "../recognizers/types.js";
import type { Runtime } from "../runtime.js";
import { type PlayedChunk, pacatTo } from "../speech-out/pcm-player.js";
import {
  defaultVoice,
  SaySpeaker,
  type Speaker,
  SpeakerError,
  silentSpeaker,
} from "../speech-out/speaker.js";
import { StreamingSpeaker } from "../speech-out/streaming-speaker.js";
import { type SynthVoice, synthesizeWav } from "../speech-out/synthesize.js";
import { UserError } from "../user-error.js";
import { answerReading, heardNothing } from "../voice.js";
import { type TurnTiming, VoiceLoop } from "../voice-loop.js";

export interface ListenOptions {
  /** The interaction model's locale (the global --locale). */
  readonly locale: Locale;
  readonly json?: boolean;
  readonly wav?: readonly string[];
  readonly engine: Engine;
  readonly model?: string;
  readonly openVocabulary?: boolean;
  readonly voice?: string;
  readonly rate?: number;
  readonly quiet?: boolean;
  readonly out?: string;
  readonly device?: string;
  /** Each turn's latencies on standard error (the global --verbose). */
  readonly verbose?: boolean;
  /** Wait for the wake word before each conversation, and go back to waiting after it (until Ctrl-C). */
  readonly wake?: boolean;
  /** The wake word, for --wake and for cutting in over an answer ("samantha" by default). */
  readonly wakeWord?: string;
  /** Download the Vosk model without asking, when no recognizer can run. */
  readonly yes?: boolean;
  /** What takes the answers' echo out of the microphone: speexdsp's (the default) or the sound server's. */
  readonly echoCanceller?: EchoCancellerChoice;
}

const INSTALL_RECOGNIZER =
  "Install PocketSphinx (sudo apt-get install pocketsphinx pocketsphinx-en-us) or the Vosk model";

function recognizerFor(options: ListenOptions, engine = options.engine): Recognizer {
  const choice = {
    engine,
    voskModel: options.model,
    openVocabulary: options.openVocabulary,
    onNotice: (message: string) => process.stderr.write(`her-faq: ${message}\n`),
  };
  return createRecognizer(interactionModelFor(options.locale), choice);
}

/**
 * The recognizer, or, in a conversation where none is ready, the Vosk model downloaded first: after asking,
 * or at once with --yes. Recordings never start a download: they say what to install.
 */
async function readyRecognizer(options: ListenOptions, interactive: boolean) {
  try {
    const recognizer = recognizerFor(options);
    // A recording is decoded while the rest is built; a conversation starts only once all of it is there.
    if (interactive) await whenReady(recognizer);
    return recognizer;
  } catch (error) {
    if (!(error instanceof RecognizerUnavailable)) throw error;
    if (options.engine !== "auto" || !interactive) throw cannotRecognize(error);
    const chat = `or type instead: ${herFaq("chat")}`;
    process.stderr.write(`her-faq: ${error.message}\n`);
    if (!(options.yes || (await agreesToDownload(voskModelPath(options.model)))))
      throw new UserError(`${INSTALL_RECOGNIZER} (${herFaq("models download")}), ${chat}`, 1);
    try {
      // Loaded only here: the downloader's modules would slow every start.
      const { downloadModel } = await import("./models.js");
      await downloadModel({ model: options.model });
      const recognizer = recognizerFor(options, "vosk");
      await whenReady(recognizer);
      return recognizer;
    } catch (fallbackError) {
      throw new UserError(
        `no speech recognizer can run here: ${(fallbackError as Error).message}. ${INSTALL_RECOGNIZER}, ${chat}`,
        1,
      );
    }
  }
}

/** What to do when no recognizer can hear: install one, or type. */
function cannotRecognize(error: RecognizerUnavailable): UserError {
  const chat = `or type instead: ${herFaq("chat")}`;
  return new UserError(`${error.message}. ${INSTALL_RECOGNIZER} (${herFaq("models download")}), ${chat}`, 1);
}

/** Asks before a first-run download; only a person at a terminal can answer. */
async function agreesToDownload(folder: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(
      `Download the Vosk English model (about 40 MB) into ${folder}? [Y/n] `,
    );
    return /^(y|yes|)$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

/**
 * Listens with the skill `loadRuntime` loads: called once the recognizer has started building, which is most
 * of start-up, so the skill's modules load meanwhile.
 */
export async function listen(loadRuntime: () => Promise<Runtime>, options: ListenOptions): Promise<void> {
  if (options.wav && options.wav.length > 0) return answerFiles(loadRuntime, options);
  return converse(loadRuntime, options);
}

/** Waits for a recognizer still being built; one that cannot be finished is closed, and its error thrown. */
async function whenReady(recognizer: Recognizer): Promise<void> {
  try {
    await recognizer.ready?.();
  } catch (error) {
    recognizer.close();
    throw error;
  }
}

type FileLine =
  | { file: string; transcript: string; intent: string; speech: string; endSession: boolean }
  | { file: string; error: string; transcript?: string };

/**
 * Each recording in a fresh session, one line each. A file that cannot be read, or holds no speech, gets an
 * error line, and the command then exits 1 after the others are done.
 */
async function answerFiles(loadRuntime: () => Promise<Runtime>, options: ListenOptions): Promise<void> {
  const recognizer = await readyRecognizer(options, false);
  let failed = 0;
  try {
    // Loaded and built while the recognizer still builds on other threads.
    const runtime = await loadRuntime();
    for (const file of options.wav ?? []) {
      const line = await answerFile(runtime.conversation(), recognizer, file);
      if ("error" in line) failed++;
      process.stdout.write(options.json ? `${JSON.stringify(line)}\n` : textLine(line));
    }
  } catch (error) {
    // A part built while the first file was read could not be.
    if (error instanceof RecognizerUnavailable) throw cannotRecognize(error);
    throw error;
  } finally {
    recognizer.close();
  }
  if (failed > 0) process.exitCode = 1;
}

async function answerFile(
  conversation: Conversation,
  recognizer: Recognizer,
  file: string,
): Promise<FileLine> {
  let pcm: Int16Array;
  try {
    pcm = readWavFile(file).pcm;
  } catch (error) {
    if (!(error instanceof AudioFileError)) throw error;
    return { file, error: error.message };
  }
  const heard = await transcribe(recognizer, pcm);
  if (heardNothing(heard)) return { file, error: "no speech was heard in it", transcript: "" };
  const { decision, turn } = await answerReading(conversation, heard);
  return {
    file,
    transcript: decision.text,
    intent: intentOf(turn.resolution),
    speech: turn.speech,
    endSession: turn.endSession,
  };
}

/** The text form names the file and what was heard, then the answer. */
function textLine(line: FileLine): string {
  if ("error" in line) return `${line.file}: error: ${line.error}\n`;
  return `${line.file}: you: ${line.transcript || "(not understood)"}\n${line.speech}\n`;
}

/**
 * Welcome, then turn after turn by voice until the skill ends the session or the user stays silent. The
 * recognizer and the microphone are checked before the welcome, so a failure never follows a greeting.
 */
async function converse(loadRuntime: () => Promise<Runtime>, options: ListenOptions): Promise<void> {
  const { echo, player } = echoCancellation(options);
  // The speaker first: its synthesizer starts (festival takes a second) while the recognizer is built.
  const speaker = speakerFor(options, player, echo && ((chunk) => echo.played(chunk)));
  const recognizer = await readyRecognizer(options, true);
  const runtime = await loadRuntime();
  const detector = options.wake ? await wakeWordDetector(options, recognizer) : undefined;
  const wakeWord = options.wakeWord ?? DEFAULT_WAKE_WORD;
  const spotter = echo ? await commandSpotter(wakeWord) : undefined;
  // The "stop" network too, where the echo canceller lets anything be heard over an answer.
  const commandNetworks = echo ? (await import("../wake/command-networks.js")).commandNetworks() : undefined;
  const microphone = openMicrophone({ device: options.device });
  let answers = 0;
  let heard = "";
  // Whether the microphone has started, and whether the wake word is awaited.
  let [hearing, waiting] = [false, false];
  // With --json, standard output holds only the turns' JSON lines: no live status.
  const status = (line: string) => {
    if (!options.json) process.stdout.write(`\r\x1b[2K${line}`);
  };
  const loop = new VoiceLoop({
    recognizer,
    conversation: runtime.conversation(),
    wakeWord,
    ...(detector ? { wake: detector } : {}),
    ...(spotter ? { spotter } : {}),
    ...(commandNetworks ? { commandNetworks } : {}),
    ...(options.verbose
      ? {
          onHeardOverAnswer: (over: HeardOverAnswer) =>
            process.stderr.write(`her-faq: ${heardOverLine(over)}\n`),
        }
      : {}),
    io: {
      aloud: !options.quiet,
      say: async (speech, turn, timing) => {
        status(`\nguide: ${speech}\n\n${options.quiet ? "" : "(speaking)"}`);
        if (options.out && turn) saveAnswer(options.out, ++answers, turn, options.voice);
        const asked = performance.now();
        const spoken = await speaker.speak(speech);
        if (!turn || !timing) return;
        const firstAudioMs =
          spoken.firstAudioMs === undefined ? undefined : asked + spoken.firstAudioMs - timing.answeredAt;
        const latency = turnLatency(timing, firstAudioMs);
        if (options.verbose) process.stderr.write(`her-faq: ${latencyLine(latency)}\n`);
        if (options.json) {
          const { resolution, endSession } = turn;
          const line = { transcript: heard, intent: intentOf(resolution), speech, endSession, latency };
          process.stdout.write(`${JSON.stringify(line)}\n`);
        }
      },
      heard: (text, final) => {
        if (final) heard = text;
        status(final ? `you: ${text}\n` : `you: ${text}`);
      },
      thinking: () => status("(thinking)"),
      // A status the user's words replace as soon as they are heard.
      listening: () => {
        status("(listening)");
        // Once the welcome is said: the answers' first sentences, made while the user thinks.
        speaker.prepare?.(faq.map((entry) => entry.answer));
      },
      waiting: () => {
        waiting = true;
        // Said once the microphone hears: whoever waits for it may speak then.
        if (hearing) status(`(waiting for "${wakeWord}")`);
        speaker.prepare?.(faq.map((entry) => entry.answer));
      },
      woken: () => {
        waiting = false;
        status("(listening)");
      },
      chime: () => speaker.chime?.(),
      // "stop" over an answer, heard once its echo is taken out.
      ...(echo ? { interrupt: () => speaker.stop() } : {}),
    },
  });
  detector?.onWake((wake) => loop.woken(wake.after));
  const interrupted = () => {
    process.stdout.write("\n");
    process.exitCode = 130;
    speaker.stop();
    loop.stop();
  };
  process.once("SIGINT", interrupted);
  // Waiting for the wake word begins before the microphone does, so that nothing it hears first is lost
  // (a device that hands over its audio at once, as an ALSA file device does, could give the whole question
  // before the microphone's start resolves). The welcome, without --wake, is said once the microphone works.
  if (detector) loop.begin();
  try {
    await microphone.start(
      (chunk) => {
        if (!echo) return loop.hear(chunk);
        const cleaned = echo.clean(chunk);
        loop.played(echo.lastPlayed);
        loop.hear(cleaned);
      },
      (lost) => loop.stop(new UserError(lost.message, 1)),
    );
    hearing = true;
    if (waiting) status(`(waiting for "${wakeWord}")`);
  } catch (error) {
    process.removeListener("SIGINT", interrupted);
    recognizer.close();
    detector?.close();
    spotter?.close();
    echo?.close();
    if (error instanceof MicrophoneUnavailable) throw new UserError(error.message, 1);
    throw error;
  }
  if (!detector) loop.begin();
  try {
    await loop.finished;
  } finally {
    process.removeListener("SIGINT", interrupted);
    microphone.stop();
    speaker.stop();
    recognizer.close();
    detector?.close();
    spotter?.close();
    echo?.close();
  }
}

/**
 * What hears "stop" and the wake word over an answer by their sounds (recognizers/keyphrase-spotter.ts),
 * built on a thread of its own meanwhile; where PocketSphinx is not installed, none, and the recognizer's
 * readings alone interrupt.
 */
async function commandSpotter(wakeWord: string) {
  const { KeyphraseSpotter } = await import("../recognizers/keyphrase-spotter.js");
  try {
    return new KeyphraseSpotter(["stop", wakeWord]);
  } catch {
    return undefined;
  }
}

/**
 * --wake's listener. For a word with a trained network (wake/, "samantha"): the network, each word it hears
 * read by the recognizer before the question, so that its front end has heard the room. For any other word:
 * PocketSphinx's keyphrase spotting, each word it spots judged again on the audio around it, and read by the
 * recognizer where that leaves it in doubt; where PocketSphinx is not installed (Vosk alone), --wake then
 * says what to install.
 */
async function wakeWordDetector(options: ListenOptions, recognizer: Recognizer) {
  // Loaded only for --wake, like everything a plain listen does not need at start-up; the spotter only for
  // a word with no network.
  const { NetworkWakeDetector, wakeModelFor } = await import("../wake/network-detector.js");
  const model = wakeModelFor(options.wakeWord ?? DEFAULT_WAKE_WORD);
  if (model) return new NetworkWakeDetector({ model, warm: (audio) => warmUp(recognizer, audio) });
  const { confirmedBy, UnknownWakeWord, WakeWordDetector } = await import("../wake-word.js");
  try {
    const detector = new WakeWordDetector({
      wakeWord: options.wakeWord,
      confirm: confirmedBy(recognizer, options.wakeWord),
    });
    await detector.ready();
    return detector;
  } catch (error) {
    recognizer.close();
    if (error instanceof UnknownWakeWord) throw new UserError(error.message, 2);
    if (error instanceof RecognizerUnavailable)
      throw new UserError(`--wake listens for the wake word with PocketSphinx: ${error.message}`, 1);
    throw error;
  }
}

/**
 * The microphone's audio with the spoken answers taken out, so "stop" can be heard over them; where that
 * cannot be (no libspeexdsp, not Linux), a one-line notice, and answers are heard to their end as before.
 */
function echoCancellation(options: ListenOptions): {
  echo?: EchoCancelledMicrophone;
  player?: readonly string[];
} {
  if (options.quiet) return {};
  if (options.echoCanceller === "system") return systemEchoCanceller(options);
  try {
    return { echo: new EchoCancelledMicrophone(new EchoCanceller()) };
  } catch (error) {
    if (!(error instanceof EchoCancellerUnavailable)) throw error;
    process.stderr.write(`her-faq: ${error.message}; an answer cannot be stopped by voice.\n`);
    return {};
  }
}

/**
 * The sound server's echo canceller (system-echo-canceller.ts), over the system's microphone and speaker:
 * the microphone is recorded from its source (PULSE_SOURCE, which PulseAudio's clients follow), and the
 * answers played to its sink by name through pacat, so they reach it whatever ALSA's default is. Where it
 * cannot load, listen stops before the welcome with the reason and the command that works without it.
 */
function systemEchoCanceller(options: ListenOptions): {
  echo: EchoCancelledMicrophone;
  player: readonly string[];
} {
  const fallBack = (reason: string): never => {
    throw new UserError(
      `the sound server's echo canceller cannot be used: ${reason}. Leave out --echo-canceller system to use speexdsp's.`,
      2,
    );
  };
  if (process.platform !== "linux") return fallBack(`there is none on ${process.platform}`);
  if (options.device !== undefined)
    return fallBack("it works over the system's own microphone, and --device names another");
  const system = loadSystemEchoCanceller();
  if ("unavailable" in system) return fallBack(system.unavailable);
  process.env.PULSE_SOURCE = system.source;
  process.env.PULSE_SINK = system.sink;
  if (options.verbose)
    process.stderr.write(
      `her-faq: the sound server cancels the echo (WebRTC, module-echo-cancel over ${system.masters.source} and ${system.masters.sink})\n`,
    );
  return {
    echo: new EchoCancelledMicrophone(new CancelledUpstream(system.unload)),
    player: pacatTo(system.sink),
  };
}

/** A turn's latencies in milliseconds, from the end of the user's speech to the answer's first audio. */
export interface TurnLatency {
  readonly endpointMs: number;
  readonly completeQuestion: boolean;
  readonly readingMs: number;
  readonly skillMs: number;
  /** From the skill's answer to its first audio handed to the sound device; absent when nothing played. */
  readonly firstAudioMs?: number;
  /** All of them: the end of speech to the first audio (or to the answer, when nothing played). */
  readonly totalMs: number;
}

export function turnLatency(timing: TurnTiming, firstAudioMs: number | undefined): TurnLatency {
  const round = (ms: number) => Math.round(ms);
  const parts = [timing.endpointMs, timing.readingMs, timing.skillMs, firstAudioMs ?? 0];
  return {
    endpointMs: round(timing.endpointMs),
    completeQuestion: timing.complete,
    readingMs: round(timing.readingMs),
    skillMs: round(timing.skillMs),
    ...(firstAudioMs === undefined ? {} : { firstAudioMs: round(firstAudioMs) }),
    totalMs: round(parts.reduce((sum, ms) => sum + ms, 0)),
  };
}

export function latencyLine(latency: TurnLatency): string {
  const ended = latency.completeQuestion ? "a complete question" : "a pause";
  const audio = latency.firstAudioMs === undefined ? "no audio" : `first audio ${latency.firstAudioMs} ms`;
  return `turn: endpoint ${latency.endpointMs} ms (${ended}), reading ${latency.readingMs} ms, skill ${latency.skillMs} ms, ${audio}; ${latency.totalMs} ms from the end of speech`;
}

/** An utterance heard over an answer, for --verbose: what it was read as, and what came of it. */
export function heardOverLine(heard: HeardOverAnswer): string {
  const readings =
    heard.readings.length > 0 ? heard.readings.map((text) => `"${text}"`).join(" / ") : "nothing read";
  const spotted = heard.spotted ? `; spotted "${heard.spotted.phrase}" (${heard.spotted.ms} ms)` : "";
  const outcome = heard.interruption
    ? `${heard.interruption}, by the ${heard.by}`
    : heard.networkLetGo
      ? `let go (a network heard its word, but ${heard.networkLetGo === "a question" ? "the words were a question" : "speech went on"})`
      : "let go";
  return `over the answer (${Math.round(heard.ms)} ms): ${readings}${spotted}; ${outcome}`;
}

function speakerFor(
  options: ListenOptions,
  player?: readonly string[],
  onPlayed?: (chunk: PlayedChunk) => void,
): Speaker {
  if (options.quiet) return silentSpeaker;
  const choice = {
    voice: options.voice ?? defaultVoice(),
    rate: options.rate,
    onUnavailable: (reason: string) =>
      process.stderr.write(
        `her-faq: cannot play sound (${reason.split("\n")[0]}); answers are printed. Use --quiet to hide this, or --out DIR to save them as WAV files.\n`,
      ),
  };
  try {
    return process.platform === "linux"
      ? new StreamingSpeaker({ ...choice, onPlayed, ...(player ? { player } : {}) })
      : new SaySpeaker(choice);
  } catch (error) {
    if (error instanceof SpeakerError) throw new UserError(error.message, 2);
    throw error;
  }
}

function saveAnswer(folder: string, index: number, turn: Turn, voice: string | undefined): void {
  mkdirSync(folder, { recursive: true });
  const file = join(
    folder,
    `${String(index).padStart(3, "0")}-${intentOf(turn.resolution).replace(/[^A-Za-z]/g, "")}.wav`,
  );
  // A voice named with its engine ("flite:slt") is kept as it is; a plain name is festival's.
  const named = voice ?? defaultVoice() ?? "kal_diphone";
  const synthVoice = (named.includes(":") ? named : `festival:${named}`) as SynthVoice;
  writeFileSync(file, synthesizeWav(turn.speech, synthVoice));
}
