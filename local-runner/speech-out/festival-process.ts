/**
 * One festival process for a whole conversation (`festival --pipe`, voice loaded once), asked for one
 * sentence at a time: festival writes the sentence's samples to a file and says so on stdout. Starting
 * festival costs about a second; a sentence then takes tens of milliseconds.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAMPLE_RATE } from "../audio/wav.js";
import { type Synthesizer, SynthesizerDied, SynthesizerUnavailable } from "./synthesizer.js";

/** A sentence longer than this has hung festival (the longest answer takes well under a second). */
const SENTENCE_TIMEOUT_MS = 15_000;
const START_TIMEOUT_MS = 30_000;

/**
 * Text as a Scheme string literal festival reads back unchanged: every backslash and double quote escaped,
 * so nothing in it can end the string and run as Scheme. (Speech is sanitised before it gets here; this
 * holds even for text that was not.)
 */
export function schemeString(text: string): string {
  return `"${text.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}

interface Request {
  readonly id: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export interface FestivalOptions {
  /** An installed festival voice (checked by the caller); festival's own default when absent. */
  readonly voice?: string;
  /** Speaking rate, 1 = normal. */
  readonly rate?: number;
}

export class FestivalProcess implements Synthesizer {
  readonly voice: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly folder = mkdtempSync(join(tmpdir(), "her-faq-festival-"));
  private readonly ready: Promise<void>;
  private tail: Promise<unknown>;
  private pending: Request | undefined;
  private nextId = 1;
  private stdout = "";
  private stderr = "";
  private ended: Error | undefined;
  private readonly cleanUp = () => rmSync(this.folder, { recursive: true, force: true });

  constructor(options: FestivalOptions = {}) {
    this.voice = `festival:${options.voice ?? "default"}`;
    process.once("exit", this.cleanUp);
    this.child = spawn("festival", ["--pipe"], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdin.on("error", () => undefined);
    this.child.stdout.on("data", (data: Buffer) => this.readStdout(data.toString()));
    this.child.stderr.on("data", (data: Buffer) => this.readStderr(data.toString()));
    this.child.on("error", (error: NodeJS.ErrnoException) =>
      this.end(
        error.code === "ENOENT"
          ? new SynthesizerUnavailable(
              "festival is not installed; install it with: sudo apt-get install festival festvox-us-slt-hts, or speak with flite: her-faq listen --voice flite:slt",
            )
          : new SynthesizerDied(`festival could not start (${error.message})`),
      ),
    );
    this.child.on("exit", (code, signal) =>
      this.end(new SynthesizerDied(`festival stopped (${signal ?? `exit ${code}`}${this.lastError()})`)),
    );
    // Festival must not keep the program alive once the conversation is over: it ends at end of input.
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) unref(stream);

    const stretch = options.rate && Number.isFinite(options.rate) && options.rate > 0 ? 1 / options.rate : 1;
    this.child.stdin.write(
      [
        options.voice ? `(voice_${options.voice})` : "",
        `(Parameter.set 'Duration_Stretch ${stretch.toFixed(3)})`,
        "(define (herfaq_speak id text file)",
        // Utterance does not evaluate its arguments: the string is put in place as a value, never read as code.
        "  (let ((utt (utt.synth (eval (list 'Utterance 'Text text)))))",
        `    (utt.wave.resample utt ${SAMPLE_RATE})`,
        "    (utt.save.wave utt file 'raw)",
        '    (format t "herfaq done %d\\n" id)',
        "    (fflush nil)))",
        "",
      ].join("\n"),
    );
    // The first sentence loads the rest of the voice: spoken once now, so the first answer does not pay.
    this.ready = this.request("Hello.", START_TIMEOUT_MS).then(() => undefined);
    this.tail = this.ready.catch(() => undefined);
  }

  /** The festival process's id, for whoever watches it (the tests end it to show a restart). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves once the voice is loaded and has spoken a first sentence; rejects if it cannot. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  synthesize(sentence: string): Promise<Int16Array> {
    // One sentence at a time: festival answers in order, and each answer names its request.
    const result = this.tail.then(async () => {
      await this.ready;
      return this.request(sentence, SENTENCE_TIMEOUT_MS);
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.end(new SynthesizerDied("festival was closed"));
    this.child.kill("SIGKILL");
    process.removeListener("exit", this.cleanUp);
    this.cleanUp();
  }

  private async request(sentence: string, timeoutMs: number): Promise<Int16Array> {
    if (this.ended) throw this.ended;
    const id = this.nextId++;
    const file = join(this.folder, `${id}.raw`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        this.end(new SynthesizerDied(`festival did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending = { id, resolve, reject, timer };
      // While festival works, its answer keeps the program alive.
      ref(this.child.stdout);
      this.child.stdin.write(`(herfaq_speak ${id} ${schemeString(sentence)} ${schemeString(file)})\n`);
    }).finally(() => unref(this.child.stdout));
    const bytes = await readFile(file);
    await unlink(file);
    return new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2));
  }

  private readStdout(text: string): void {
    this.stdout += text;
    let newline = this.stdout.indexOf("\n");
    while (newline >= 0) {
      const line = this.stdout.slice(0, newline);
      this.stdout = this.stdout.slice(newline + 1);
      const done = /^herfaq done (\d+)$/.exec(line.trim());
      if (done && this.pending && Number(done[1]) === this.pending.id) this.settle()?.resolve();
      newline = this.stdout.indexOf("\n");
    }
  }

  /** festival reports a failed command on stderr and goes on reading the next one. */
  private readStderr(text: string): void {
    this.stderr = (this.stderr + text).slice(-2000);
    if (!/SIOD ERROR|not defined/i.test(text)) return;
    const failed = this.settle();
    if (!failed) return;
    const message = `festival could not speak (${this.lastError().replace(/^: /, "")})`;
    failed.reject(failed.id === 1 ? new SynthesizerUnavailable(message) : new SynthesizerDied(message));
  }

  private settle(): Request | undefined {
    const request = this.pending;
    this.pending = undefined;
    if (request) clearTimeout(request.timer);
    return request;
  }

  private end(error: Error): void {
    this.ended ??= error;
    this.settle()?.reject(error);
  }

  private lastError(): string {
    const lines = this.stderr.trim().split("\n").filter(Boolean);
    return lines.length > 0 ? `: ${lines.slice(-2).join(" ").trim()}` : "";
  }
}

type Handle = { ref?: () => void; unref?: () => void };
const ref = (stream: unknown) => (stream as Handle).ref?.();
const unref = (stream: unknown) => (stream as Handle).unref?.();
