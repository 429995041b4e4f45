import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import say from "say";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interactionModelFor } from "../interaction-model/index.js";
import { alsaMicrophone, MicrophoneUnavailable } from "../local-runner/audio/microphone.js";
import {
  AudioFileError,
  concatenated,
  decodeWav,
  encodeWav,
  readWavFile,
  SAMPLE_RATE,
} from "../local-runner/audio/wav.js";
import { intentOf } from "../local-runner/conversation.js";
import { Endpointer } from "../local-runner/recognizers/endpointer.js";
import { carrierPrefixes, expectedSentences } from "../local-runner/recognizers/grammar.js";
import {
  DEFAULT_POCKETSPHINX_MODEL,
  PocketSphinxRecognizer,
} from "../local-runner/recognizers/pocketsphinx.js";
import { createRecognizer } from "../local-runner/recognizers/select.js";
import { type Recognizer, RecognizerUnavailable, transcribe } from "../local-runner/recognizers/types.js";
import { createRuntime } from "../local-runner/runtime.js";
import { sanitizeForSpeech, sentencesOf } from "../local-runner/speech-out/sanitize.js";
import { SaySpeaker } from "../local-runner/speech-out/speaker.js";
import { synthesize, synthesizeWav } from "../local-runner/speech-out/synthesize.js";
import { answerRecording, answerTranscript } from "../local-runner/voice.js";
import { COMPLETE_QUESTION_SILENCE_MS } from "../local-runner/voice-loop.js";
import { faq, intentNameFor } from "../skill/faq/index.js";
import { repoRoot } from "./paths.js";

/**
 * The speech stack CI installs with apt; on a machine without it these tests say why they skip. Only missing
 * packages skip: a recognizer that is installed but cannot start fails the suite, and in CI nothing skips.
 */
function missingSpeechStack(): string | undefined {
  for (const tool of ["text2wave", "espeak-ng", "sox", "arecord"]) {
    if (spawnSync(tool, ["--version"]).error)
      return `${tool} is not installed (see .ci/run for the apt packages)`;
  }
  if (!existsSync(join(DEFAULT_POCKETSPHINX_MODEL, "en-us")))
    return "PocketSphinx's English model is not installed (sudo apt-get install pocketsphinx pocketsphinx-en-us)";
  return undefined;
}
const missing = missingSpeechStack();
if (missing && process.env.CI) throw new Error(`CI runs the voice tests, but ${missing}`);
const onAudio = missing ? describe.skip : describe;
if (missing) console.warn(`voice tests skipped: ${missing}`);

describe("speech sanitising", () => {
  it("leaves nothing that could end festival's Scheme string or run a command", () => {
    const payload = 'x") (system "touch /tmp/owned") ("';
    expect(sanitizeForSpeech(payload)).toBe("x system touch tmp owned");
    expect(sanitizeForSpeech("Theodore’s “friend” — Amy & co. $(rm -rf /) `id`\\")).toBe(
      "Theodore's friend , Amy co. rm -rf id",
    );
  });

  it("splits speech into sentences, so the first can play while the rest wait", () => {
    expect(sentencesOf("Her runs 126 minutes. Want more? Say yes!  ")).toEqual([
      "Her runs 126 minutes.",
      "Want more?",
      "Say yes!",
    ]);
    expect(sentencesOf("Released on December 18, 2013.")).toEqual(["Released on December 18, 2013."]);
    expect(sentencesOf("the 1.5 version. ok")).toEqual(["the 1.5 version. ok"]);
    for (const entry of faq)
      expect(sentencesOf(entry.answer).join(" ")).toBe(entry.answer.replace(/\s+/g, " "));
  });
});

describe("WAV input", () => {
  it("refuses what is not a WAV file, saying how to convert it", () => {
    expect(() => decodeWav(new TextEncoder().encode("not audio at all"), "x.wav")).toThrow(
      /x\.wav is not a WAV file.*sox/,
    );
    expect(() => readWavFile(join(repoRoot, "no-such.wav"))).toThrow(/no such file/);
  });

  it("refuses a sample rate too low for speech", () => {
    const wav = encodeWav(new Int16Array(4000), 4000);
    expect(() => decodeWav(wav, "low.wav")).toThrow(AudioFileError);
    expect(() => decodeWav(wav, "low.wav")).toThrow(/4000 Hz, too low/);
  });

  it("resamples any rate to 16 kHz and mixes channels down", () => {
    const second = Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
    expect(decodeWav(encodeWav(second, 8000)).pcm.length).toBe(16_000);
  });

  it("round-trips 16 kHz mono samples", () => {
    const pcm = Int16Array.from({ length: 1600 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
    expect(decodeWav(encodeWav(pcm)).pcm).toEqual(pcm);
  });

  it("takes the sentences and carrier phrases to hear from the interaction model", () => {
    const sentences = expectedSentences(interactionModelFor("en-US"));
    expect(sentences).toContain("who composed the music for her");
    expect(sentences).toContain("open her movie guide");
    expect(carrierPrefixes(interactionModelFor("en-US"))).toContain("i would like to know");
  });
});

onAudio(`the voice front door on real synthesized speech${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let recognizer: Recognizer;
  const runtime = createRuntime();
  let folder: string;
  beforeAll(() => {
    recognizer = createRecognizer(interactionModelFor("en-US"), { engine: "pocketsphinx" });
    folder = mkdtempSync(join(tmpdir(), "her-faq-voice-"));
  });
  afterAll(() => {
    recognizer?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const voices = ["festival:cmu_us_slt_arctic_hts", "festival:kal_diphone"] as const;
  it.each(voices.flatMap((voice) => faq.map((entry) => [voice, entry.question, entry.id] as const)))(
    "%s: %s",
    async (voice, question, id) => {
      const { decision: transcript, turn } = await answerRecording(
        runtime.conversation(),
        recognizer,
        synthesize(question, voice),
      );
      expect(intentOf(turn.resolution), `heard "${transcript.text}"`).toBe(intentNameFor(id));
      expect(turn.speech).toContain(faq.find((entry) => entry.id === id)?.answer);
    },
  );

  it.each([
    ["44.1 kHz stereo", ["-r", "44100", "-c", "2"]],
    ["11.025 kHz", ["-r", "11025"]],
    ["48 kHz float", ["-r", "48000", "-e", "floating-point", "-b", "32"]],
    ["22.05 kHz u-law", ["-r", "22050", "-e", "u-law"]],
  ])("understands a %s recording", async (_, format) => {
    const source = join(folder, "source.wav");
    const converted = join(folder, "converted.wav");
    writeFileSync(source, synthesizeWav("how long is her", "festival:cmu_us_slt_arctic_hts"));
    expect(spawnSync("sox", [source, ...format, converted]).status).toBe(0);
    const { turn } = await answerRecording(runtime.conversation(), recognizer, readWavFile(converted).pcm);
    expect(turn.speech).toContain("126 minutes");
  });

  describe("questions worded unlike any sample", () => {
    // A recognizer of their own: PocketSphinx's feature normalisation carries over from earlier utterances.
    let fresh: Recognizer;
    beforeAll(() => {
      fresh = createRecognizer(interactionModelFor("en-US"), { engine: "pocketsphinx" });
    });
    afterAll(() => fresh?.close());

    it.each([
      ["who made the music in her", "Arcade Fire"],
      ["in what year was the film her released", "December 18, 2013"],
      ["which city is her set in", "near-future Los Angeles"],
    ])("answers %s, which no sample says", async (utterance, answer) => {
      expect(expectedSentences(interactionModelFor("en-US"))).not.toContain(utterance);
      const { decision: transcript, turn } = await answerRecording(
        runtime.conversation(),
        fresh,
        synthesize(utterance, "festival:cmu_us_slt_arctic_hts"),
      );
      expect(turn.speech, `heard "${transcript.text}"`).toContain(answer);
    });
  });

  it("hears a one-word command with long silence around it, as a microphone records it", async () => {
    const spoken = synthesize("stop", "festival:cmu_us_slt_arctic_hts");
    const silence = new Int16Array(16000 * 2);
    const padded = new Int16Array(silence.length * 2 + spoken.length);
    padded.set(spoken, silence.length);
    const conversation = runtime.conversation();
    await conversation.launch();
    const { decision: transcript, turn } = await answerRecording(conversation, recognizer, padded);
    expect(turn.endSession, `heard "${transcript.text}"`).toBe(true);
    expect(intentOf(turn.resolution)).not.toBe("AMAZON.FallbackIntent");
  });

  it("reads an utterance as itself though the next one starts before its reading is taken", async () => {
    // As over an answer: a word's utterance ends, and the next opens at once, while the first is still read.
    const said = (text: string) => synthesize(text, "festival:cmu_us_slt_arctic_hts");
    const feed = (stream: ReturnType<Recognizer["start"]>, pcm: Int16Array) => {
      for (let offset = 0; offset < pcm.length; offset += 4000)
        stream.accept(pcm.subarray(offset, offset + 4000));
    };
    const first = recognizer.start();
    feed(first, said("who directed her"));
    const reading = first.finish();
    const next = recognizer.start();
    feed(next, said("where was her filmed"));
    const readings = (await reading).readings.map((heard) => heard.text).join(" / ");
    expect(readings).toContain("directed");
    expect(readings).not.toContain("filmed");
    expect((await next.finish()).text).toContain("filmed");
  });

  // Out-of-domain speech is turned away as the same words typed are: "tell me a joke" reaches the
  // SearchQuery intent, which finds nothing. FAQ-shaped questions about other films are heard in full by the
  // mixed decoder; some still get through the domain model's reading: see docs/voice.md and the
  // out-of-domain rows of docs/bench/voice.md. "How long is avatar" is one; "what awards did parasite win"
  // is another, on the bar: its domain reading ("what awards did her set win", or "her sad") scores 0.43 to
  // 0.50 against the bar's 0.5, depending on what the recognizer heard before (its running mean of the
  // audio), so it is answered after some utterances and turned away after others.
  it.each([
    "what's the weather",
    "tell me a joke",
    "play music",
    "what time is it",
    "where was the godfather filmed",
  ])("turns out-of-domain speech (%s) away as typed text is", async (utterance) => {
    const { decision: transcript, turn } = await answerRecording(
      runtime.conversation(),
      recognizer,
      synthesize(utterance, "festival:cmu_us_slt_arctic_hts"),
    );
    expect(
      faq.some((entry) => turn.speech.includes(entry.answer)),
      `heard "${transcript.text}"`,
    ).toBe(false);
    const typed = await runtime.conversation().say("what's the weather");
    expect(intentOf(typed.resolution)).toBe("AMAZON.FallbackIntent");
    expect(turn.speech).toBe(typed.speech);
  });

  describe("through ALSA file devices (a real fake microphone and speaker)", () => {
    let alsaConfig: string;
    let captured: string;
    let spoken: string;
    const previous = process.env.ALSA_CONFIG_PATH;
    beforeAll(() => {
      spoken = join(folder, "spoken.raw");
      captured = join(folder, "played.raw");
      writeFileSync(
        spoken,
        Buffer.from(synthesize("where was her filmed", "festival:cmu_us_slt_arctic_hts").buffer),
      );
      alsaConfig = join(folder, "asound.conf");
      writeFileSync(
        alsaConfig,
        `pcm.!default { type file; slave.pcm { type null }; file "${captured}"; format "wav" }\n` +
          `pcm.filemic { type file; slave.pcm { type null }; file "/dev/null"; infile "${spoken}"; format "raw" }\n`,
      );
      process.env.ALSA_CONFIG_PATH = alsaConfig;
    });
    afterAll(() => {
      if (previous === undefined) delete process.env.ALSA_CONFIG_PATH;
      else process.env.ALSA_CONFIG_PATH = previous;
    });

    it("hears a question from the microphone, ends it at the silence after it, and answers", async () => {
      const microphone = alsaMicrophone({ device: "filemic" });
      const stream = recognizer.start();
      const endpointer = new Endpointer();
      // The file device plays the recording, then endless silence (unpaced): the endpointer ends the turn.
      const endOfSpeech = new Promise<void>((resolve) => {
        let done = false;
        void microphone.start((chunk) => {
          if (done) return;
          stream.accept(chunk);
          if (endpointer.accept(chunk)) {
            done = true;
            microphone.stop();
            resolve();
          }
        });
      });
      await endOfSpeech;
      const turn = await answerTranscript(runtime.conversation(), await stream.finish());
      expect(turn.speech).toContain("Los Angeles, California");
    });

    it("speaks the answer through the speaker, which heard back carries the answer's key words", async () => {
      rmSync(captured, { force: true });
      const turn = await runtime.conversation().say("how long is her");
      await new SaySpeaker({ voice: "cmu_us_slt_arctic_hts" }).speak(
        turn.speech.split(". ")[0] ?? turn.speech,
      );
      const { pcm } = readWavFile(captured);
      const listener = new PocketSphinxRecognizer([], { openVocabulary: true });
      const heard = (await transcribe(listener, pcm)).text;
      listener.close();
      const keyWords = ["runtime", "approximately", "minutes"].filter((word) => heard.includes(word));
      expect(keyWords.length, `heard "${heard}"`).toBeGreaterThanOrEqual(2);
    });

    /** An ALSA configuration whose device "talk" plays `audio` once, then silence; its path. */
    const talkDevice = (audio: Int16Array) => {
      const conversation = join(folder, "conversation.raw");
      writeFileSync(conversation, Buffer.from(audio.buffer));
      const config = join(folder, "listen.conf");
      writeFileSync(
        config,
        `pcm.!default { type file; slave.pcm { type null }; file "${captured}"; format "raw" }\n` +
          `pcm.talk { type file; slave.pcm { type null }; file "/dev/null"; infile "${conversation}"; format "raw" }\n`,
      );
      return config;
    };
    const LISTEN = ["listen", "--quiet", "--engine", "pocketsphinx", "--device", "alsa:talk"];

    /** `listen` on an ALSA file microphone that plays the question once; what it printed. */
    const listenTo = (question: string, ...flags: string[]) => {
      const config = talkDevice(synthesize(question, "festival:cmu_us_slt_arctic_hts"));
      const args = [...LISTEN, ...flags];
      const run = spawnSync(process.execPath, [join(repoRoot, "bin", "her-faq.js"), ...args], {
        encoding: "utf8",
        env: { ...process.env, ALSA_CONFIG_PATH: config },
        timeout: 60_000,
      });
      expect(run.status, run.stderr).toBe(0);
      return run;
    };

    it("holds a spoken conversation from the command line: welcome, a question heard and answered, silence ends it", () => {
      const run = listenTo("who composed the music for her");
      const screen = run.stdout.replaceAll("\r", "\n").replaceAll("\u001b[2K", "");
      expect(screen).toMatch(/guide: Hi\. I'm so glad you're here/);
      expect(screen).toMatch(/you: who composed the music for her\n/);
      expect(screen).toMatch(/guide: The original score for Her was composed by Arcade Fire's Owen Pallett/);
    });

    it("prints one JSON line per turn of a live conversation with its latencies, and them with --verbose", () => {
      const run = listenTo("who directed her", "--json", "--verbose");
      const lines = run.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      const turn = JSON.parse(lines[0] as string);
      expect(turn).toMatchObject({
        transcript: "who directed her",
        intent: "OverviewIntent",
        endSession: false,
      });
      // The file device hands over its audio faster than real time, so the decoders' live words lag the
      // endpointer: the turn may end on the full pause rather than on the complete question.
      expect(typeof turn.latency.completeQuestion).toBe("boolean");
      expect(turn.latency.endpointMs).toBeGreaterThanOrEqual(COMPLETE_QUESTION_SILENCE_MS);
      for (const step of ["readingMs", "skillMs"]) expect(turn.latency[step]).toBeGreaterThanOrEqual(0);
      expect(turn.latency.totalMs).toBeGreaterThanOrEqual(turn.latency.endpointMs);
      expect(run.stderr).toMatch(
        /turn: endpoint \d+ ms \(a (complete question|pause)\), reading \d+ ms, skill \d+ ms, no audio; \d+ ms/,
      );
    });

    it("wakes by name from the command line and answers the question said in the same breath", async () => {
      const config = talkDevice(
        concatenated([
          new Int16Array(SAMPLE_RATE),
          synthesize("Samantha, who directed her?", "festival:cmu_us_slt_arctic_hts"),
        ]),
      );
      // --wake runs until Ctrl-C: the first turn's JSON line, then SIGINT.
      const listen = spawn(
        process.execPath,
        [join(repoRoot, "bin", "her-faq.js"), ...LISTEN, "--wake", "--json"],
        {
          env: { ...process.env, ALSA_CONFIG_PATH: config },
        },
      );
      let [out, errors] = ["", ""];
      listen.stderr.on("data", (data) => {
        errors += data;
      });
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no turn in 60 s: ${errors}`)), 60_000);
        listen.stdout.on("data", (data) => {
          out += data;
          if (!out.includes("\n")) return;
          clearTimeout(timer);
          resolve(out.split("\n")[0] as string);
        });
      });
      const ended = new Promise((resolve) => listen.on("close", resolve));
      listen.kill("SIGINT");
      await ended;
      expect(JSON.parse(line)).toMatchObject({ transcript: "who directed her", intent: "OverviewIntent" });
    }, 90_000);

    it("says clearly when there is no microphone", async () => {
      await expect(alsaMicrophone({ device: "nosuchdevice" }).start(() => undefined)).rejects.toThrow(
        MicrophoneUnavailable,
      );
      await expect(alsaMicrophone({ device: "nosuchdevice" }).start(() => undefined)).rejects.toThrow(
        /her-faq chat/,
      );
    });

    it("speaks the festival injection payload as words, without running it", async () => {
      const marker = join(folder, "owned");
      const payload = `x") (system "touch ${marker}") ("`;
      // The payload is real: `say` itself, given it raw, runs the command.
      await new Promise<void>((resolve) => say.speak(payload, undefined, undefined, () => resolve()));
      expect(existsSync(marker)).toBe(true);
      rmSync(marker);
      rmSync(captured, { force: true });
      await new SaySpeaker({ voice: "cmu_us_slt_arctic_hts" }).speak(payload);
      expect(existsSync(marker)).toBe(false);
      expect(readFileSync(captured).length).toBeGreaterThan(8000);
    });
  });

  it("says which file is broken when the open language model cannot be read", () => {
    const model = join(folder, "broken-model");
    mkdirSync(model);
    symlinkSync(join(DEFAULT_POCKETSPHINX_MODEL, "en-us"), join(model, "en-us"));
    symlinkSync(join(DEFAULT_POCKETSPHINX_MODEL, "cmudict-en-us.dict"), join(model, "cmudict-en-us.dict"));
    writeFileSync(join(model, "en-us.lm.bin"), "not a language model");
    const sentences = expectedSentences(interactionModelFor("en-US"));
    expect(() => new PocketSphinxRecognizer(sentences, { modelDir: model })).toThrow(
      new RecognizerUnavailable(
        `PocketSphinx could not read ${join(model, "en-us.lm.bin")}; install it with: sudo apt-get install pocketsphinx pocketsphinx-en-us`,
      ),
    );
  });

  it("answers recordings as JSON lines from the command line, one process, bad files in place", () => {
    const question = join(folder, "question.wav");
    writeFileSync(question, synthesizeWav("who stars in her", "espeak:en-us"));
    const notAudio = join(folder, "notes.wav");
    writeFileSync(notAudio, "hello");
    const run = spawnSync(
      process.execPath,
      [
        join(repoRoot, "bin", "her-faq.js"),
        "listen",
        "--engine",
        "pocketsphinx",
        "--json",
        "--wav",
        question,
        notAudio,
      ],
      {
        encoding: "utf8",
      },
    );
    // One file could not be answered: the others are, and the command says so with its exit status.
    expect(run.status).toBe(1);
    const [answer, error] = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(Object.keys(answer)).toEqual(["file", "transcript", "intent", "speech", "endSession"]);
    expect(answer).toMatchObject({ file: question, intent: "CastIntent", endSession: false });
    expect(answer.speech).toContain("Joaquin Phoenix");
    expect(error).toMatchObject({ file: notAudio, error: expect.stringMatching(/not a WAV file/) });
  });
});
