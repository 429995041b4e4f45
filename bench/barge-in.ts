/**
 * Interrupting an answer, on a loopback: every FAQ answer, spoken as `listen` speaks it (festival SLT), is
 * played back into the microphone as a room gives it (local-runner/audio/loopback.ts: 30 ms late,
 * reflections for 150 ms, a small loudspeaker's bass cut), under the user's speech level. Prints:
 * 1. the echo canceller's echo return loss enhancement (ERLE) on each answer, one canceller for all of them
 *    as in a conversation, and on the first from cold;
 * 2. false stops: every answer's echo alone, no user, through the barge-in detector, at two echo levels;
 * 3. barge-in time: "stop" said over an answer in several voices, through the voice loop as `listen` runs
 *    it, audio paced in real time in 32 ms chunks (a microphone's): from the last sample of "stop" to the
 *    loop asking the speaker to stop (its median and 95th percentile), and the misses (nothing within 1.5 s);
 * 4. other words over an answer: questions said over it in the same voices, through the loop as in 3, and
 *    how many of them stopped it.
 * `listen` hears "stop" with its recognizer, a keyphrase spotter (recognizers/keyphrase-spotter.ts) and a
 * network (wake/command-networks.ts); `--no-spotter` and `--no-networks` leave those out, `--stop-model FILE`
 * tries another network (npm run train:wake -- --word stop).
 *
 *   npm run bench:barge-in [-- --trials 4 --questions 2 --no-spotter --no-networks --stop-model FILE]
 */
import { cpus, loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { interactionModelFor } from "../interaction-model/index.js";
import { EchoCanceller } from "../local-runner/audio/echo-canceller.js";
import { atSpeechLevel, erleDb, mix, roomEcho } from "../local-runner/audio/loopback.js";
import { BargeInDetector, DEFAULT_WAKE_WORD } from "../local-runner/barge-in.js";
import { KeyphraseSpotter } from "../local-runner/recognizers/keyphrase-spotter.js";
import { createRecognizer } from "../local-runner/recognizers/select.js";
import type { Recognizer } from "../local-runner/recognizers/types.js";
import { createRuntime } from "../local-runner/runtime.js";
import { type SynthVoice, synthesize } from "../local-runner/speech-out/synthesize.js";
import { VoiceLoop } from "../local-runner/voice-loop.js";
import { commandNetworks } from "../local-runner/wake/command-networks.js";
import { faq } from "../skill/faq/data.js";
import { BARGE_IN_VOICES } from "./barge-in-voices.js";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "4" },
    questions: { type: "string", default: "2" },
    "no-spotter": { type: "boolean", default: false },
    "stop-model": { type: "string" },
    "no-networks": { type: "boolean", default: false },
  },
});
const TRIALS_PER_VOICE = Number(values.trials);
const QUESTIONS_PER_VOICE = Number(values.questions);
const ANSWER_VOICE: SynthVoice = "festival:cmu_us_slt_arctic_hts";
const CHUNK = 512;
const ROOM = { delayMs: 30, reverbMs: 150 };

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
};
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** The canceller over a recording, chunk by chunk as the microphone gives it, and the last part frame. */
function cancelled(canceller: EchoCanceller, mic: Int16Array, played: Int16Array): Int16Array {
  const out = new Int16Array(mic.length);
  let at = 0;
  for (let offset = 0; offset < mic.length; offset += CHUNK) {
    const cleaned = canceller.process(
      mic.subarray(offset, offset + CHUNK),
      played.subarray(offset, offset + CHUNK),
    );
    out.set(cleaned, at);
    at += cleaned.length;
  }
  out.set(canceller.flush(), at);
  return out;
}

process.stdout.write(
  `barge-in bench: ${faq.length} answers (${ANSWER_VOICE}), room ${ROOM.delayMs} ms + ${ROOM.reverbMs} ms reflections; ${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)}\n`,
);
const answers = faq.map((entry) => synthesize(entry.answer, ANSWER_VOICE));
const seconds = answers.reduce((sum, pcm) => sum + pcm.length, 0) / 16_000;

// 1. ERLE.
for (const levelDb of [-10, -15, -20]) {
  const canceller = new EchoCanceller();
  const figures: number[] = [];
  let cold = 0;
  for (const [index, played] of answers.entries()) {
    const echo = roomEcho(played, { ...ROOM, levelDb, seed: index + 1 });
    const residual = cancelled(canceller, mix(played.length, echo), played);
    figures.push(erleDb(echo, residual));
    if (index === 0) cold = erleDb(echo.subarray(0, 16_000), residual.subarray(0, 16_000));
  }
  canceller.close();
  process.stdout.write(
    `ERLE, echo ${-levelDb} dB under speech: median ${round(percentile(figures, 0.5))} dB, lowest ${round(Math.min(...figures))} dB over ${answers.length} answers (${round(seconds, 0)} s); first second from cold ${round(cold)} dB\n`,
  );
}

const recognizer = createRecognizer(interactionModelFor("en-US"), { engine: "pocketsphinx" });
await recognizer.ready?.();
const spotter = values["no-spotter"] ? undefined : new KeyphraseSpotter(["stop", DEFAULT_WAKE_WORD]);
await spotter?.ready();
const networks = values["no-networks"] ? [] : commandNetworks(values["stop-model"]);
process.stdout.write(
  `"stop" heard by ${spotter ? "the recognizer and the keyphrase spotter" : "the recognizer alone"}${networks.length > 0 ? `, and the networks for ${networks.map((network) => `"${network.model.word}"`).join(" and ")}${values["stop-model"] ? ` ("stop": ${values["stop-model"]})` : ""}` : ""}\n`,
);

// 2. False stops: the echo alone.
for (const levelDb of [-10, -15]) {
  let stops = 0;
  let utterances = 0;
  const counted: Recognizer = {
    name: recognizer.name,
    start: () => {
      utterances++;
      return recognizer.start();
    },
    close: () => undefined,
  };
  const canceller = new EchoCanceller();
  const detector = new BargeInDetector({
    recognizer: counted,
    ...(spotter ? { spotter } : {}),
    networks,
    onInterruption: () => stops++,
  });
  for (const [index, played] of answers.entries()) {
    const echo = roomEcho(played, { ...ROOM, levelDb, seed: index + 1 });
    const cleaned = cancelled(canceller, mix(played.length, echo), played);
    for (let offset = 0; offset < cleaned.length; offset += CHUNK) {
      detector.played(played.subarray(offset, offset + CHUNK));
      detector.accept(cleaned.subarray(offset, offset + CHUNK));
      // The recognizer works on its own threads: let it keep up, as it would in real time.
      if (utterances > 0) await sleep(1);
    }
    await sleep(500);
    detector.reset();
  }
  canceller.close();
  process.stdout.write(
    `false stops, echo ${-levelDb} dB under speech: ${stops} of ${answers.length} answers (${round(seconds, 0)} s of echo); utterances the gate let through: ${utterances}\n`,
  );
}

// 3. Barge-in time, through the voice loop, in real time; 4. other words over an answer.
interface Trial {
  readonly voice: SynthVoice;
  readonly latencyMs?: number;
}
const canceller = new EchoCanceller();

/**
 * `said` spoken over `played` from `atSample`, through the voice loop in real time: how long after the
 * words' last sample the loop asked the speaker to stop (undefined when the answer was heard out), and what
 * named the command.
 */
async function overAnswer(played: Int16Array, said: Float64Array, atSample: number, seed: number) {
  // The words' last sample louder than a whisper: where the user has finished saying them.
  let wordEnd = said.length;
  while (wordEnd > 0 && Math.abs(said[wordEnd - 1] as number) < 300) wordEnd--;
  const user = new Float64Array(played.length);
  user.set(said.subarray(0, played.length - atSample), atSample);
  const echo = roomEcho(played, { ...ROOM, levelDb: -15, seed });
  const mic = mix(played.length, echo, user);
  const endSample = atSample + wordEnd;
  let stoppedAt: number | undefined;
  let startedAt = 0;
  /** What named the command that cut the answer off, and how the utterance was read. */
  let cutBy: string | undefined;
  let heardThrough: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => {
    heardThrough = resolve;
  });
  const loop = new VoiceLoop({
    recognizer,
    conversation: createRuntime().conversation(),
    ...(spotter ? { spotter } : {}),
    commandNetworks: networks,
    onHeardOverAnswer: (heard) => {
      if (heard.interruption) cutBy ??= `${heard.by}, read "${heard.readings[0] ?? ""}"`;
    },
    io: {
      aloud: true,
      interrupt: () => {
        stoppedAt ??= performance.now();
      },
      // Not stopped: the answer was heard to its end (a miss).
      listening: () => heardThrough(),
      say: async () => {
        if (startedAt !== 0) return;
        startedAt = performance.now();
        // Each chunk is handed over when its last sample has been captured, as a microphone does.
        for (let offset = 0; offset < played.length && stoppedAt === undefined; offset += CHUNK) {
          const due = startedAt + ((offset + CHUNK) * 1000) / 16_000;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          const chunk = mic.subarray(offset, offset + CHUNK);
          const reference = played.subarray(offset, offset + CHUNK);
          const cleaned = canceller.process(chunk, reference);
          loop.played(reference);
          loop.hear(cleaned);
          if (offset > endSample + 1.5 * 16_000) break;
        }
      },
    },
  });
  loop.begin();
  await Promise.race([loop.finished, listening, sleep(60_000)]);
  // What cut it off is told once the utterance has been read whole.
  if (stoppedAt !== undefined) await sleep(500);
  loop.stop();
  const endAt = startedAt + (endSample * 1000) / 16_000;
  return { afterMs: stoppedAt === undefined ? undefined : stoppedAt - endAt, cutBy };
}

const trials: Trial[] = [];
for (const [voiceIndex, voice] of BARGE_IN_VOICES.entries()) {
  const stop = atSpeechLevel(synthesize("stop", voice));
  for (let trial = 0; trial < TRIALS_PER_VOICE; trial++) {
    const index = (voiceIndex * TRIALS_PER_VOICE + trial) % answers.length;
    const atSample = Math.round((1.5 + 0.37 * trial) * 16_000);
    const { afterMs: latencyMs } = await overAnswer(answers[index] as Int16Array, stop, atSample, index + 1);
    trials.push({ voice, ...(latencyMs === undefined ? {} : { latencyMs }) });
  }
}
const questions = faq.map((entry) => entry.question);
let questionsSaid = 0;
const stoppedBy: string[] = [];
for (const [voiceIndex, voice] of BARGE_IN_VOICES.entries()) {
  for (let trial = 0; trial < QUESTIONS_PER_VOICE; trial++) {
    const index = (voiceIndex * QUESTIONS_PER_VOICE + trial) % answers.length;
    const question = questions[(voiceIndex * QUESTIONS_PER_VOICE + trial * 7) % questions.length] as string;
    const atSample = Math.round((1.5 + 0.37 * trial) * 16_000);
    questionsSaid++;
    const said = atSpeechLevel(synthesize(question, voice));
    const { afterMs, cutBy } = await overAnswer(answers[index] as Int16Array, said, atSample, index + 1);
    if (afterMs !== undefined) stoppedBy.push(`"${question}" (${voice}; by the ${cutBy ?? "?"})`);
  }
}
canceller.close();
recognizer.close();
spotter?.close();
const heard = trials.flatMap((trial) => (trial.latencyMs === undefined ? [] : [trial.latencyMs]));
for (const voice of BARGE_IN_VOICES) {
  const own = trials.filter((trial) => trial.voice === voice);
  const times = own.flatMap((trial) => (trial.latencyMs === undefined ? [] : [Math.round(trial.latencyMs)]));
  process.stdout.write(
    `  ${voice}: ${times.length} of ${own.length} stopped, after ${times.join(", ")} ms\n`,
  );
}
process.stdout.write(
  `barge-in time, end of "stop" to the speaker stopped: median ${Math.round(percentile(heard, 0.5))} ms, p95 ${Math.round(percentile(heard, 0.95))} ms; misses ${trials.length - heard.length} of ${trials.length} (${BARGE_IN_VOICES.length} voices, echo 15 dB under speech); load ${loadavg()[0]?.toFixed(1)}\n`,
);
process.stdout.write(
  `other words over an answer: ${stoppedBy.length} of ${questionsSaid} questions stopped it${stoppedBy.length > 0 ? `: ${stoppedBy.join(", ")}` : ""}\n`,
);
