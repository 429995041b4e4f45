/** The `her-faq` command: the text front doors to the skill (ask, chat), dialog scripts and the eval. */
import { existsSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import type { NoiseKind } from "./audio/noise.js";
import { ECHO_CANCELLERS, type EchoCancellerChoice } from "./audio/system-echo-canceller.js";
import type { ListenOptions } from "./commands/listen.js";
import type { Reporter } from "./commands/test.js";
import { ENGINES, type Engine } from "./recognizers/engines.js";
import type { Runtime } from "./runtime.js";
import type { SynthVoice } from "./speech-out/synthesize.js";
import { parseLocale, UserError } from "./user-error.js";

// Each command's code is loaded when that command runs, so a typed question never parses the web server,
// the recognizers or the model download.
const commands = {
  ask: () => import("./commands/ask.js"),
  chat: () => import("./commands/chat.js"),
  devices: () => import("./commands/devices.js"),
  eval: () => import("./commands/eval.js"),
  listen: () => import("./commands/listen.js"),
  models: () => import("./commands/models.js"),
  serve: () => import("./commands/serve.js"),
  test: () => import("./commands/test.js"),
};

interface GlobalOptions {
  readonly locale: string;
  readonly verbose?: boolean;
}

const program = new Command("her-faq")
  .description(
    "Ask the Her movie guide about Spike Jonze's film Her: the same skill Alexa runs, on your laptop.",
  )
  .option("--locale <locale>", "locale of the interaction model (en-US, en-GB, en-CA, en-AU, en-IN)", "en-US")
  .option("--verbose", "log each request and response of the skill to standard error")
  .showHelpAfterError();

/** The skill and its resolver, loaded when a command needs them: listen starts its recognizer first. */
const runtimeOf = async (command: Command): Promise<Runtime> =>
  (await import("./runtime.js")).createRuntime(command.optsWithGlobals<GlobalOptions>());

program
  .command("ask")
  .description('answer one question as text; "-" reads one question per line from standard input')
  .argument("<utterance...>", 'what you would say, e.g. "how long is her"')
  .option("--json", 'print one JSON line: {"utterance","intent","slots","speech","reprompt","endSession"}')
  .action(async (words: string[], options: { json?: boolean }, command: Command) => {
    await (await commands.ask()).ask(await runtimeOf(command), words, options);
  });

program
  .command("chat")
  .description("a typed conversation: welcome, then turn after turn until you say stop")
  .action(async (_options: object, command: Command) => {
    await (await commands.chat()).chat(await runtimeOf(command));
  });

program
  .command("listen")
  .description("talk to the guide by voice; or answer WAV recordings with --wav")
  .option("--wav <files...>", "answer these recordings (any rate and channel count), one fresh session each")
  .option(
    "--json",
    'one JSON line per file with --wav ({"file","transcript","intent","speech","endSession"}), or per turn of a conversation (with its "latency")',
  )
  .option(
    "--engine <engine>",
    `speech recognizer (${ENGINES.join(", ")}); auto uses Vosk when its model is installed`,
    parseEngine,
    "auto",
  )
  .option("--model <path>", "Vosk model folder (default: $VOSK_MODEL, else the one models download installs)")
  .option("--open-vocabulary", "let Vosk hear any English, not only the skill's phrases")
  .option("--yes", "when no recognizer is installed, download the Vosk model without asking")
  .option(
    "--voice <voice>",
    "voice to speak with (a festival voice, or flite:awb|rms|slt|kal|kal16, on Linux; a system voice on macOS and Windows)",
  )
  .option("--rate <rate>", "speaking rate, 1 is normal", parseRate)
  .option("--quiet", "print answers without speaking them")
  .option("--out <dir>", "also write each spoken answer to a WAV file in this folder")
  .option(
    "--device <device>",
    "microphone: a number or part of a name as the devices command lists them, or alsa:NAME on Linux (default: the system's input)",
  )
  .option(
    "--wake",
    'wait silently for the wake word ("Samantha, who directed her?"), and again after each conversation, until Ctrl-C',
  )
  .option(
    "--wake-word <word>",
    "the wake word, for --wake and for cutting in over an answer (default: samantha)",
  )
  .option(
    "--echo-canceller <kind>",
    `what takes the answers' echo out of the microphone, so "stop" is heard over them (${ECHO_CANCELLERS.join(", ")}): system is the sound server's (PulseAudio's WebRTC canceller, Linux)`,
    parseEchoCanceller,
    "speexdsp",
  )
  .action(async (options: ListenOptions, command: Command) => {
    const { verbose, locale } = command.optsWithGlobals<GlobalOptions>();
    const listening = { ...options, verbose, locale: parseLocale(locale) };
    await (await commands.listen()).listen(() => runtimeOf(command), listening);
  });

program
  .command("devices")
  .description("list the microphones listen --device can pick, by number and name")
  .action(async () => {
    process.exitCode = (await commands.devices()).devices();
  });

const models = program.command("models").description("speech models for listening");
models
  .command("download")
  .description("download, verify and install the Vosk English model (resumes a broken download)")
  .option("--model <path>", "where to install it (default: $VOSK_MODEL, else your user data folder)")
  .option("--url <url>", "download from this address instead of the official one")
  .option("--sha256 <hex>", "SHA-256 of the archive at --url, checked after download")
  .action(async (options: { model?: string; url?: string; sha256?: string }) => {
    await (await commands.models()).downloadModel(options);
  });

const DEFAULT_TEST_VOICE: SynthVoice = "festival:cmu_us_slt_arctic_hts";

/** Every kind and reporter the command offers, listed here so the CLI need not load their modules to parse. */
const NOISE_CHOICES: Record<NoiseKind, true> = { pink: true, white: true, babble: true };
const REPORTER_CHOICES: Record<Reporter, true> = { text: true, junit: true };

program
  .command("test")
  .description("run dialog scripts (YAML) against the skill, as text or spoken and recognized")
  .usage("[options] <scripts...>")
  .argument("[scripts...]", "dialog script files")
  .addOption(
    new Option(
      "--voice [voice]",
      "speak each utterance in this voice (festival:NAME, espeak:NAME or flite:NAME) and recognize it, " +
        "instead of sending the text; repeat it for a run per voice",
    )
      .preset(DEFAULT_TEST_VOICE)
      .argParser(collect),
  )
  .addOption(new Option("--tts <voice>").argParser(collect).hideHelp())
  .addOption(
    new Option("--noise <kind>", "with --voice: mix this noise into the speech").choices(
      Object.keys(NOISE_CHOICES),
    ),
  )
  .option("--snr <dB>", "with --noise: the signal-to-noise ratio in dB (default 10)", parseSnr)
  .addOption(
    new Option("--reporter <reporter>", "text, or junit for JUnit XML on standard output")
      .choices(Object.keys(REPORTER_CHOICES))
      .default("text"),
  )
  .action(async (files: string[], options: TestCommandOptions, command: Command) => {
    const { voices, scripts } = voicesAndScripts(options, files);
    process.exitCode = await (await commands.test()).testScripts(await runtimeOf(command), scripts, {
      voices,
      noise: options.noise,
      snr: options.snr,
      reporter: options.reporter,
    });
  });

program
  .command("eval")
  .description("score an eval file (utterance<TAB>expectation) and print accuracy, rejection and misses")
  .argument("<file>", "a .tsv file in the format of shared/eval/dev.tsv")
  .option("--fail-under <percent>", "exit 1 when any rate is below this percentage", parsePercent)
  .action(async (file: string, options: { failUnder?: number }, command: Command) => {
    process.exitCode = await (await commands.eval()).evaluate(await runtimeOf(command), file, options);
  });

program
  .command("serve")
  .description("serve the skill to Alexa over HTTP(S): POST / for requests, GET /healthz for health")
  .option("--port <port>", "port to listen on, 0 picks a free one (default: $PORT, else 3000)", parsePort)
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--skill-id <id>", "refuse requests for any other skill (default: $ALEXA_SKILL_ID)")
  .option("--no-verify", "turn off signature and timestamp checks, for local testing only")
  .action(async (options: { port?: number; host: string; skillId?: string; verify: boolean }) => {
    await (await commands.serve()).serve({ ...options, port: options.port ?? portFromEnvironment() });
  });

interface TestCommandOptions {
  /** One entry per --voice: the value given, or the default voice for a bare --voice. */
  readonly voice?: readonly string[];
  /** The older spelling of --voice NAME. */
  readonly tts?: readonly string[];
  readonly noise?: NoiseKind;
  readonly snr?: number;
  readonly reporter?: Reporter;
}

function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/**
 * The voices to speak with and the scripts to run. A bare --voice (the default voice) may be followed by a
 * script, which the option then takes as its value: a value that names no voice is a script.
 */
function voicesAndScripts(
  options: TestCommandOptions,
  files: readonly string[],
): { voices: SynthVoice[]; scripts: string[] } {
  const values = options.voice ?? [];
  const isVoice = (value: string) => /^[A-Za-z][\w-]*:/.test(value) && !existsSync(value);
  const scripts = [...values.filter((value) => !isVoice(value)), ...files];
  if (scripts.length === 0) {
    throw new UserError("give at least one dialog script, e.g. her-faq test test/dialogs/faq.yaml");
  }
  let named = values.filter(isVoice);
  // `--voice --tts NAME`, as the command was once spelled: the bare --voice only turned speech on.
  if (options.tts) named = [...named.filter((value) => value !== DEFAULT_TEST_VOICE), ...options.tts];
  const voices = named.map(synthVoiceOf);
  if (values.length > 0 && voices.length === 0) voices.push(DEFAULT_TEST_VOICE);
  return { voices, scripts };
}

function synthVoiceOf(value: string): SynthVoice {
  if (/^(festival|espeak|flite):[A-Za-z0-9][A-Za-z0-9_+-]*$/.test(value)) return value as SynthVoice;
  throw new UserError(
    `"${value}" is not a voice: give festival:NAME, espeak:NAME or flite:NAME, e.g. --voice flite:slt`,
  );
}

function parseSnr(value: string): number {
  const snr = Number(value);
  if (value.trim() === "" || !Number.isFinite(snr)) {
    throw new InvalidArgumentError("give the signal-to-noise ratio in dB, e.g. 10");
  }
  return snr;
}

function parseEchoCanceller(value: string): EchoCancellerChoice {
  if ((ECHO_CANCELLERS as readonly string[]).includes(value)) return value as EchoCancellerChoice;
  throw new InvalidArgumentError(`choose one of ${ECHO_CANCELLERS.join(", ")}`);
}

function parseEngine(value: string): Engine {
  if ((ENGINES as readonly string[]).includes(value)) return value as Engine;
  throw new InvalidArgumentError(`choose one of ${ENGINES.join(", ")}`);
}

function parseRate(value: string): number {
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate < 0.25 || rate > 4)
    throw new InvalidArgumentError("give a rate from 0.25 to 4");
  return rate;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError("give a port from 0 to 65535");
  return port;
}

/** $PORT, as hosting platforms set it; 3000 without it. */
function portFromEnvironment(): number {
  const value = process.env.PORT;
  if (value === undefined || value === "") return 3000;
  try {
    return parsePort(value);
  } catch {
    throw new UserError(`PORT=${value} is not a port; give a number from 0 to 65535`);
  }
}

function parsePercent(value: string): number {
  const percent = Number(value);
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new InvalidArgumentError("give a number from 0 to 100");
  }
  return percent;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof UserError) {
    process.stderr.write(`her-faq: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    throw error;
  }
}
