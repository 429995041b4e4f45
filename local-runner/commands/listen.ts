/**
 * `her-faq listen`: a conversation by voice (microphone -> recognizer -> skill -> speech), or with --wav,
 * recordings answered one per line as JSON, each a fresh one-shot session.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { interactionModelFor } from "../../interaction-model/index.js";
import { alsaMicrophone, MicrophoneUnavailable } from "../audio/microphone.js";
import { AudioFileError, readWavFile } from "../audio/wav.js";
import { intentOf, type Turn } from "../conversation.js";
import { createRecognizer, type Engine } from "../recognizers/select.js";
import { type Recognizer, RecognizerUnavailable } from "../recognizers/types.js";
import type { Runtime } from "../runtime.js";
import { UserError } from "../runtime.js";
import { defaultVoice, SaySpeaker, type Speaker, silentSpeaker } from "../speech-out/speaker.js";
import { synthesizeWav } from "../speech-out/synthesize.js";
import { answerRecording, readTranscript } from "../voice.js";
import { downloadModel } from "./models.js";

export interface ListenOptions {
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
}

async function recognizerFor(runtime: Runtime, options: ListenOptions): Promise<Recognizer> {
  const model = interactionModelFor(runtime.locale);
  const choice = { engine: options.engine, voskModel: options.model, openVocabulary: options.openVocabulary };
  try {
    return createRecognizer(model, choice);
  } catch (error) {
    if (!(error instanceof RecognizerUnavailable)) throw error;
    if (options.engine !== "auto") throw new UserError(`${error.message}. Or type instead: her-faq chat`, 1);
    // No recognizer is ready: fetch the Vosk model once, as a first run should.
    process.stderr.write(
      `her-faq: ${error.message}\nher-faq: fetching the Vosk English model instead (about 40 MB)...\n`,
    );
    try {
      await downloadModel({ model: options.model });
      return createRecognizer(model, { ...choice, engine: "vosk" });
    } catch (fallbackError) {
      throw new UserError(
        `no speech recognizer can run here: ${(fallbackError as Error).message}. ` +
          "Install PocketSphinx (sudo apt-get install pocketsphinx pocketsphinx-en-us) or a Vosk model, or type instead: her-faq chat",
        1,
      );
    }
  }
}

export async function listen(runtime: Runtime, options: ListenOptions): Promise<void> {
  if (options.wav && options.wav.length > 0) return answerFiles(runtime, options);
  if (options.json) throw new UserError("--json goes with --wav FILE...: listen --json --wav question.wav");
  return converse(runtime, options);
}

/** Each recording in a fresh session; a file that cannot be read gets an `error` line instead. */
async function answerFiles(runtime: Runtime, options: ListenOptions): Promise<void> {
  const recognizer = await recognizerFor(runtime, options);
  try {
    for (const file of options.wav ?? []) {
      let line: object;
      try {
        const { pcm } = readWavFile(file);
        const { transcript, turn } = await answerRecording(runtime.conversation(), recognizer, pcm);
        line = {
          file,
          transcript: transcript.text,
          intent: intentOf(turn.resolution),
          speech: turn.speech,
          endSession: turn.endSession,
        };
      } catch (error) {
        if (!(error instanceof AudioFileError)) throw error;
        line = { file, error: error.message };
      }
      process.stdout.write(
        options.json
          ? `${JSON.stringify(line)}\n`
          : `${"speech" in line ? line.speech : `error: ${(line as { error: string }).error}`}\n`,
      );
    }
  } finally {
    recognizer.close();
  }
}

/** Silence this long (no words heard) ends the conversation, as Alexa closes a session nobody answers. */
const SILENCE_ENDS_CONVERSATION_MS = 10_000;
const STEP_SAMPLES = 1600;

/** Welcome, then turn after turn by voice until the skill ends the session or the user stays silent. */
async function converse(runtime: Runtime, options: ListenOptions): Promise<void> {
  const recognizer = await recognizerFor(runtime, options);
  const speaker = speakerFor(options);
  const microphone = alsaMicrophone({ device: options.device });
  const conversation = runtime.conversation();
  let answers = 0;
  const respond = async (turn: Turn) => {
    if (!turn.speech) return;
    process.stdout.write(`\nguide: ${turn.speech}\n\n`);
    if (options.out) saveAnswer(options.out, ++answers, turn, options.voice);
    await speaker.speak(turn.speech);
  };
  process.once("SIGINT", () => {
    speaker.stop();
    microphone.stop();
    process.stdout.write("\n");
    process.exit(130);
  });

  await respond(await conversation.launch());
  let stream = recognizer.start();
  /** An answer is being made (and spoken): the microphone's audio waits, or is dropped when spoken aloud. */
  let busy = false;
  /** The conversation is over: chunks arecord had already captured are ignored. */
  let over = false;
  let failure: unknown;
  let silentMs = 0;
  const queued: Int16Array[] = [];
  let resolveEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const stopListening = () => {
    over = true;
    resolveEnded();
  };
  const hear = (chunk: Int16Array): void => {
    if (over) return;
    if (busy) {
      // Spoken aloud, the answer would be heard back, so drop it; printed only, keep what the user says.
      if (options.quiet) queued.push(chunk);
      return;
    }
    const update = stream.accept(chunk);
    silentMs = update.partial ? 0 : silentMs + chunk.length / 16;
    if (update.partial) process.stdout.write(`\r\x1b[2Kyou: ${update.partial}`);
    if (update.endOfSpeech) {
      busy = true;
      // The reading the skill will act on: the words shown are the words answered.
      const { transcript, resolution } = readTranscript(conversation, stream.finish());
      process.stdout.write(`\r\x1b[2Kyou: ${transcript.text || "(not understood)"}\n`);
      conversation
        .send(resolution, transcript.text)
        .then(respond)
        .then(() => {
          if (conversation.ended) return stopListening();
          stream = recognizer.start();
          silentMs = 0;
          busy = false;
          for (const waiting of queued.splice(0)) hear(waiting);
        })
        .catch((error: unknown) => {
          failure = error;
          stopListening();
        });
    } else if (silentMs > SILENCE_ENDS_CONVERSATION_MS) {
      stopListening();
    }
  };
  // Feed 100 ms at a time, so an utterance ends where its silence is, whatever size arecord's reads come in.
  const hearInSteps = (chunk: Int16Array) => {
    for (let offset = 0; offset < chunk.length; offset += STEP_SAMPLES)
      hear(chunk.subarray(offset, offset + STEP_SAMPLES));
  };
  try {
    await microphone.start(hearInSteps);
  } catch (error) {
    recognizer.close();
    if (error instanceof MicrophoneUnavailable) throw new UserError(error.message, 1);
    throw error;
  }
  await ended;
  microphone.stop();
  recognizer.close();
  if (failure) throw failure;
  if (!conversation.ended) await conversation.send({ kind: "end", reason: "EXCEEDED_MAX_REPROMPTS" });
}

function speakerFor(options: ListenOptions): Speaker {
  if (options.quiet) return silentSpeaker;
  return new SaySpeaker({
    voice: options.voice ?? defaultVoice(),
    rate: options.rate,
    onUnavailable: (reason) =>
      process.stderr.write(
        `her-faq: cannot play sound (${reason.split("\n")[0]}); answers are printed. Use --quiet to hide this, or --out DIR to save them as WAV files.\n`,
      ),
  });
}

function saveAnswer(folder: string, index: number, turn: Turn, voice: string | undefined): void {
  mkdirSync(folder, { recursive: true });
  const file = join(
    folder,
    `${String(index).padStart(3, "0")}-${intentOf(turn.resolution).replace(/[^A-Za-z]/g, "")}.wav`,
  );
  writeFileSync(file, synthesizeWav(turn.speech, `festival:${voice ?? defaultVoice() ?? "kal_diphone"}`));
}
