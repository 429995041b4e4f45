/**
 * Every command the README shows, run as written: each is matched to a check of what it promises, and a
 * command with no check fails here, so the README cannot promise what nobody runs. `npm install` and
 * `npm test` are CI's own steps (.ci/run and scripts/smoke-install.sh), checked to be exactly those.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_POCKETSPHINX_MODEL } from "../local-runner/recognizers/pocketsphinx.js";
import { synthesize, synthesizeWav } from "../local-runner/speech-out/synthesize.js";
import { hasShared, noSharedReason, repoRoot } from "./paths.js";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");

/** The commands in the README's shell blocks: `sh` lines, and `console` lines after "$ ". */
function readmeCommands(text: string): string[] {
  const commands: string[] = [];
  for (const [, language, body] of text.matchAll(/```(sh|console)\n([\s\S]*?)```/g)) {
    for (const line of (body ?? "").split("\n")) {
      const command = language === "console" ? /^\$ (.*)$/.exec(line)?.[1] : line;
      // A comment starts at " #" outside the command's quotes (the README's commands quote no "#").
      const bare = command?.replace(/\s+#\s.*$/, "").trim();
      if (bare) commands.push(bare);
    }
  }
  return commands;
}

/** What follows a console command up to the next one: the output the README shows for it. */
function shownOutput(command: string): string {
  const start = readme.indexOf(`$ ${command}`);
  const after = readme.slice(readme.indexOf("\n", start) + 1);
  return after.slice(0, after.search(/\n(\$ |```)/)).trim();
}

const scratch = mkdtempSync(join(tmpdir(), "her-faq-readme-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
/** No downloaded Vosk model of this machine's user takes part: listen uses what CI installs. */
const userData = join(scratch, "data");
const environment = { ...process.env, XDG_DATA_HOME: userData, VOSK_MODEL: "" };

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

/** Runs a README command through the shell, as a user pastes it, in the repository. */
function shell(command: string, env: NodeJS.ProcessEnv = environment, input = ""): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", command], { cwd: repoRoot, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout, stderr, code }));
    child.stdin.end(input);
  });
}

const screen = (text: string) => text.replaceAll("\r", "\n").replaceAll("\u001b[2K", "");
const noStackTrace = (run: Run) => expect(run.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);

/** What the speech tests need: CI installs it all, and there nothing here skips. */
function missingSpeechStack(): string | undefined {
  for (const tool of ["text2wave", "festival", "mkfifo", "aplay"]) {
    if (spawnSync(tool, ["--version"]).error) return `${tool} is not installed (see .ci/run)`;
  }
  if (!existsSync(join(DEFAULT_POCKETSPHINX_MODEL, "en-us")))
    return "PocketSphinx is not installed (see .ci/run)";
  return undefined;
}
const missing = missingSpeechStack();
if (missing && process.env.CI) throw new Error(`CI runs the README's voice commands, but ${missing}`);

/**
 * A microphone and speaker for a whole `listen` process: ALSA's default device reads a named pipe the test
 * writes to (silence, or a question when asked) and plays into a file.
 */
class PipeRoom {
  readonly config: string;
  private readonly fd: number;
  private readonly pending: Int16Array[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(folder: string) {
    const pipe = join(folder, "microphone.fifo");
    expect(spawnSync("mkfifo", [pipe]).status).toBe(0);
    // Read-write, so opening never waits for the reader; non-blocking, so a full pipe (the listener gone, or
    // reading in real time) never stops this process: the write is tried again on the next tick.
    this.fd = openSync(pipe, constants.O_RDWR | constants.O_NONBLOCK);
    this.config = join(folder, "asound.conf");
    writeFileSync(
      this.config,
      `pcm.!default { type file; slave.pcm { type null }; file "${join(folder, "played.raw")}"; infile "${pipe}"; format "raw" }\n`,
    );
    // 100 ms of audio every 25 ms: faster than real time, and never a gap the microphone would take for loss.
    // A real microphone is never digitally silent: a room's faint hiss (about -70 dBFS) stands for silence.
    let seed = 1;
    const hiss = () =>
      Int16Array.from({ length: 1600 }, () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return (seed % 21) - 10;
      });
    this.timer = setInterval(() => {
      const next = this.pending[0] ?? hiss();
      try {
        // 3,200 bytes: under the pipe's atomic size, so a write is whole or not at all.
        writeSync(this.fd, next);
        if (next === this.pending[0]) this.pending.shift();
      } catch {
        // the pipe is full: the microphone has not taken the last writes yet
      }
    }, 25);
  }

  /** Queues words to be heard, 100 ms at a time, with a second of silence after them. */
  say(words: Int16Array): void {
    const padded = new Int16Array(words.length + 16_000);
    padded.set(words);
    for (let offset = 0; offset < padded.length; offset += 1600)
      this.pending.push(padded.slice(offset, offset + 1600));
  }

  close(): void {
    clearInterval(this.timer);
    closeSync(this.fd);
  }
}

/**
 * The main job, `npx her-faq listen`: welcomed aloud, a spoken question heard and answered aloud, then
 * silence: the question again once, and the end.
 */
async function holdsAConversation(command: string): Promise<void> {
  const folder = mkdtempSync(join(scratch, "listen-"));
  const room = new PipeRoom(folder);
  const question = synthesize("who composed the music for her", "festival:cmu_us_slt_arctic_hts");
  // Its own process group, so a run that hangs is ended whole: the shell, npx and her-faq.
  const child: ChildProcess = spawn("bash", ["-c", command], {
    cwd: repoRoot,
    env: { ...environment, ALSA_CONFIG_PATH: room.config },
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  let asked = false;
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
    // Asked once it listens after its welcome: what it hears while speaking is its own voice, and dropped.
    if (!asked && stdout.includes("(listening)")) {
      asked = true;
      room.say(question);
    }
  });
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timeout = setTimeout(() => process.kill(-(child.pid ?? 0), "SIGKILL"), 150_000);
    child.on("close", (status) => {
      clearTimeout(timeout);
      resolve(status);
    });
  });
  room.close();
  const shown = screen(stdout);
  expect(code, stderr).toBe(0);
  expect(shown).toMatch(/guide: Hi\. I'm so glad you're here/);
  // What was heard is shown (the grammar may hear a sentence of the same meaning: "who composed the score").
  expect(shown).toMatch(/you: who composed [a-z ]+\n/);
  expect(shown).toMatch(/guide: The original score for Her was composed by Arcade Fire's Owen Pallett/);
  // Spoken, not only printed: the speaker's file holds seconds of sound.
  expect(readFileSync(join(folder, "played.raw")).length).toBeGreaterThan(16_000 * 2 * 3);
}

/** Each README command, and the check of what it promises. */
const checks: ReadonlyArray<readonly [RegExp, (command: string) => Promise<void>]> = [
  [
    /^npm install && (npx her-faq listen)$/,
    async (command) => {
      expect(readFileSync(join(repoRoot, "scripts", "smoke-install.sh"), "utf8")).toMatch(/\bnpm install\b/);
      if (missing) return console.warn(`README main job skipped: ${missing}`);
      await holdsAConversation(command.replace(/^npm install && /, ""));
    },
  ],
  [
    /^npm test$/,
    async () => expect(readFileSync(join(repoRoot, ".ci", "run"), "utf8")).toMatch(/^npm test$/m),
  ],
  [
    /^npx her-faq listen$/,
    async (command) => {
      if (missing) return console.warn(`README listen skipped: ${missing}`);
      await holdsAConversation(command);
    },
  ],
  [
    /^npx her-faq ask "how long is her"$/,
    async (command) => {
      const run = await shell(command);
      expect(run.code).toBe(0);
      const [start, end] = shownOutput(command).split(" ... ");
      expect(run.stdout.startsWith(start ?? "?")).toBe(true);
      expect(run.stdout.trimEnd().endsWith(end ?? "?")).toBe(true);
    },
  ],
  [
    /^npx her-faq ask --json "who did the music"$/,
    async (command) => {
      const run = await shell(command);
      // The README shortens the speech and the reprompt to "..."; every other field is as shown.
      const shown = JSON.parse(shownOutput(command).replace(/"speech":"[^"]*","reprompt":"[^"]*",/, ""));
      const line = JSON.parse(run.stdout);
      expect(line).toMatchObject(shown);
      expect(Object.keys(line)).toEqual(["utterance", "intent", "slots", "speech", "reprompt", "endSession"]);
    },
  ],
  [
    /^printf .* \| npx her-faq ask --json -$/,
    async (command) => {
      const run = await shell(command);
      const lines = run.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => line.intent)).toEqual(["OverviewIntent", "AMAZON.FallbackIntent"]);
    },
  ],
  [
    /^npx her-faq chat$/,
    async (command) => {
      const run = await shell(command, environment, "how long is her\nstop\n");
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/126 minutes/);
    },
  ],
  [
    /^npx her-faq test test\/dialogs\/\*\.yaml$/,
    async (command) => {
      const run = await shell(command);
      expect(run.code, run.stdout).toBe(0);
    },
  ],
  [
    /^npm run eval -- \.\.\/shared\/eval\/dev\.tsv$/,
    async (command) => {
      if (!hasShared) return console.warn(`README eval skipped: ${noSharedReason}`);
      const run = await shell(command);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/FAQ/);
    },
  ],
  [
    /^npx her-faq serve --skill-id \S+$/,
    async (command) => {
      // Its own process group: npx does not pass SIGTERM on to the server it started.
      const child = spawn("bash", ["-c", command], {
        cwd: repoRoot,
        env: { ...environment, PORT: "0" },
        detached: true,
      });
      let stdout = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk) => {
          stdout += chunk;
          const found = /listening on (\S+)/.exec(stdout);
          if (found?.[1]) resolve(found[1]);
        });
        child.on("close", (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const health = await fetch(new URL("/healthz", url));
      expect(health.status).toBe(200);
      const closed = new Promise((resolve) => child.on("close", resolve));
      process.kill(-(child.pid ?? 0), "SIGTERM");
      // It stops when told to: the shell, npx and the server all end.
      await closed;
      expect(stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    },
  ],
  [
    /^npx her-faq listen --json --wav q1\.wav q2\.wav$/,
    async (command) => {
      if (missing) return console.warn(`README listen --wav skipped: ${missing}`);
      const files = ["q1.wav", "q2.wav"].map((name) => join(repoRoot, name));
      for (const file of files) expect(existsSync(file), `${file} is in the way`).toBe(false);
      try {
        writeFileSync(files[0] ?? "", synthesizeWav("how long is her", "festival:cmu_us_slt_arctic_hts"));
        writeFileSync(files[1] ?? "", synthesizeWav("who stars in her", "festival:cmu_us_slt_arctic_hts"));
        const run = await shell(command);
        expect(run.code, run.stderr).toBe(0);
        const lines = run.stdout
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line));
        expect(lines.map((line) => [line.file, line.intent])).toEqual([
          ["q1.wav", "RuntimeIntent"],
          ["q2.wav", "CastIntent"],
        ]);
      } finally {
        for (const file of files) rmSync(file, { force: true });
      }
    },
  ],
  [
    /^npx her-faq test --voice test\/dialogs\/faq\.yaml$/,
    async (command) => {
      if (missing) return console.warn(`README test --voice skipped: ${missing}`);
      const run = await shell(command);
      expect(run.code, run.stdout).toBe(0);
    },
  ],
  [
    /^npx her-faq devices$/,
    async (command) => {
      const run = await shell(command);
      // A machine may have no microphone at all (CI has no sound card): then a clear message, exit 1.
      if (run.code === 0) expect(run.stdout).toMatch(/\S/);
      else expect(run.stderr).toMatch(/her-faq: .*microphone/i);
      noStackTrace(run);
    },
  ],
  [
    /^npx her-faq models download$/,
    async (command) => {
      const run = await shell(command);
      // Online it installs the model into the user's data folder; offline (as CI is) it says what to do.
      if (run.code === 0) expect(existsSync(join(userData, "her-faq", "models"))).toBe(true);
      else expect(run.stderr).toMatch(/her-faq: model download failed: .*run/);
      noStackTrace(run);
    },
  ],
];

describe("the README's commands", () => {
  const commands = readmeCommands(readme);

  it("are found in the README", () => {
    expect(commands).toContain("npm test");
    expect(commands.length).toBeGreaterThanOrEqual(14);
  });

  it.each(commands)("%s", { timeout: 300_000 }, async (command) => {
    const check = checks.find(([pattern]) => pattern.test(command));
    expect(check, `no test runs this README command: ${command}`).toBeDefined();
    await check?.[1](command);
  });

  it("names only apt packages that CI installs", () => {
    const apt = /sudo apt-get install ([a-z0-9 .+-]+)`/.exec(readme)?.[1]?.split(" ") ?? [];
    const ci = readFileSync(join(repoRoot, ".ci", "run"), "utf8");
    expect(apt.length).toBeGreaterThan(0);
    for (const name of apt) expect(ci).toMatch(new RegExp(`\\b${name}\\b`));
  });
});
