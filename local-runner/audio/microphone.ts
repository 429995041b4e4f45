/**
 * The microphone, through ALSA's arecord: 16 kHz mono 16-bit chunks as they are captured. A missing device
 * is an error that says so: arecord failing to open it, or a stream that stays empty (which is all the npm
 * `mic` package reports in that case).
 */
import { type ChildProcess, spawn } from "node:child_process";

export class MicrophoneUnavailable extends Error {
  override readonly name = "MicrophoneUnavailable";
}

export interface Microphone {
  /** Calls `onChunk` with each captured chunk until stop(); rejects if no audio arrives. */
  start(onChunk: (chunk: Int16Array) => void): Promise<void>;
  stop(): void;
}

export interface MicrophoneOptions {
  /** ALSA device (arecord -D); the default device otherwise. */
  readonly device?: string;
  /** How long to wait for the first audio before calling the microphone missing. */
  readonly firstAudioTimeoutMs?: number;
}

export function alsaMicrophone(options: MicrophoneOptions = {}): Microphone {
  let child: ChildProcess | undefined;
  return {
    start(onChunk) {
      const args = ["-q", "-f", "S16_LE", "-r", "16000", "-c", "1", "-t", "raw"];
      if (options.device) args.push("-D", options.device);
      return new Promise((resolve, reject) => {
        let stderr = "";
        let received = false;
        let carry = Buffer.alloc(0);
        child = spawn("arecord", args, { stdio: ["ignore", "pipe", "pipe"] });
        const timer = setTimeout(() => {
          if (!received) fail("no audio arrived from the microphone");
        }, options.firstAudioTimeoutMs ?? 2000);
        const fail = (reason: string) => {
          clearTimeout(timer);
          child?.kill();
          reject(
            new MicrophoneUnavailable(
              `${reason}. Check that a microphone is connected and not muted (arecord -l lists devices), or type instead: her-faq chat`,
            ),
          );
        };
        child.on("error", (error: NodeJS.ErrnoException) =>
          fail(
            error.code === "ENOENT"
              ? "arecord is not installed (sudo apt-get install alsa-utils)"
              : error.message,
          ),
        );
        child.stderr?.on("data", (data) => (stderr += data));
        child.stdout?.on("data", (data: Buffer) => {
          if (!received) {
            received = true;
            clearTimeout(timer);
            resolve();
          }
          const bytes = Buffer.concat([carry, data]);
          const whole = bytes.length - (bytes.length % 2);
          carry = bytes.subarray(whole);
          const copy = new Uint8Array(bytes.subarray(0, whole));
          onChunk(new Int16Array(copy.buffer));
        });
        child.on("exit", (code) => {
          if (!received)
            fail(
              `the microphone could not be opened (${stderr.trim().split("\n")[0] || `arecord exited with ${code}`})`,
            );
        });
      });
    },
    stop() {
      child?.kill();
      child = undefined;
    },
  };
}
