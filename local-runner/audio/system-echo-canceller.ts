/**
 * The sound server's own echo canceller: PulseAudio's module-echo-cancel with WebRTC's audio processing
 * (Debian's pulseaudio ships it, built with libwebrtc-audio-processing; PipeWire's pulse server loads a
 * module of the same name). Inside the server it sees what the speaker plays and what the microphone hears
 * on the devices' own clocks, so the echo's delay never has to be guessed, and WebRTC's filter follows it
 * when a stream starts again. Through PulseAudio null sinks it took out 22 to 46 dB from an answer's first
 * half second, where speexdsp, lined up by this program's clocks, took out about 5 dB over the first second;
 * but its suppressor also takes a user's word said in the answers' voice for echo (docs/voice.md, "Why
 * speexdsp takes out so little in real time, and the sound server's canceller").
 *
 * It is loaded for the conversation over the microphone and speaker in use and unloaded when the program
 * ends; the program's players and recorders reach its source and sink through PULSE_SOURCE and PULSE_SINK.
 */
import { spawnSync } from "node:child_process";

/** `listen --echo-canceller`: speexdsp's (the default), or the sound server's. */
export const ECHO_CANCELLERS = ["speexdsp", "system"] as const;
export type EchoCancellerChoice = (typeof ECHO_CANCELLERS)[number];

export interface SystemEchoCanceller {
  /** The source to record from: the microphone with the echo taken out. */
  readonly source: string;
  /** The sink to play to: the speaker, its sound known to the canceller. */
  readonly sink: string;
  /** The devices it works over. */
  readonly masters: { readonly source: string; readonly sink: string };
  unload(): void;
}

/** Runs pactl; the seam a test replaces to play a server that refuses. */
export type Pactl = (args: readonly string[]) => { status: number | null; stdout: string; stderr: string };

/** pactl run against the server `env` names (PULSE_SERVER), as the program's own players would reach it. */
export const pactlIn =
  (env: NodeJS.ProcessEnv): Pactl =>
  (args) => {
    const run = spawnSync("pactl", args, { env, encoding: "utf8", timeout: 5000 });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT")
      return {
        status: null,
        stdout: "",
        stderr: "pactl is not installed; install it with: sudo apt-get install pulseaudio-utils",
      };
    if (run.error) return { status: null, stdout: "", stderr: run.error.message };
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };

/**
 * The WebRTC canceller's settings: its gain control off, since it would turn the user's microphone up and
 * down for every program; its noise suppression off, so the recognizer hears what it was measured on.
 */
const AEC_ARGS = "analog_gain_control=0 digital_gain_control=0 noise_suppression=0";

/**
 * A device name as PulseAudio writes them ("alsa_input.pci-0000_00_1f.3.analog-stereo"): nothing else goes
 * into the module's arguments, which a space or a quote in a name would otherwise extend.
 */
const DEVICE_NAME = /^[A-Za-z0-9._:@-]+$/;

/**
 * Loads the server's echo canceller over the microphone and speaker this program would use (PULSE_SOURCE
 * and PULSE_SINK, else the server's defaults). Returns why not when there is no server, no such module, or
 * a device name it will not pass on.
 */
export function loadSystemEchoCanceller(
  env: NodeJS.ProcessEnv = process.env,
  run: Pactl = pactlIn(env),
): SystemEchoCanceller | { readonly unavailable: string } {
  const info = run(["info"]);
  if (info.status !== 0)
    return {
      unavailable: `no PulseAudio or PipeWire server answered (pactl info: ${firstLine(info.stderr) || `exit ${info.status}`})`,
    };
  const defaults = (what: string) =>
    info.stdout.match(new RegExp(`^Default ${what}: (.+)$`, "m"))?.[1]?.trim();
  const masters = {
    source: env.PULSE_SOURCE?.trim() || defaults("Source"),
    sink: env.PULSE_SINK?.trim() || defaults("Sink"),
  };
  for (const [kind, name] of Object.entries(masters))
    if (!name || !DEVICE_NAME.test(name))
      return {
        unavailable: `the sound server names no usable default ${kind} (${JSON.stringify(name ?? "")})`,
      };
  const { source, sink } = masters as { source: string; sink: string };
  const name = `her_faq_echo_cancel_${process.pid}`;
  const loaded = run([
    "load-module",
    "module-echo-cancel",
    "aec_method=webrtc",
    `source_master=${source}`,
    `sink_master=${sink}`,
    `source_name=${name}_source`,
    `sink_name=${name}_sink`,
    "rate=16000",
    "channels=1",
    `aec_args="${AEC_ARGS}"`,
  ]);
  const module = loaded.stdout.trim();
  if (loaded.status !== 0 || !/^\d+$/.test(module))
    return {
      unavailable: `the sound server would not load its echo canceller (module-echo-cancel: ${firstLine(loaded.stderr) || `exit ${loaded.status}`})`,
    };
  let loadedNow = true;
  const unload = () => {
    if (!loadedNow) return;
    loadedNow = false;
    process.removeListener("exit", unload);
    run(["unload-module", module]);
  };
  // Gone with the program, however it ends short of a kill.
  process.once("exit", unload);
  return { source: `${name}_source`, sink: `${name}_sink`, masters: { source, sink }, unload };
}

const firstLine = (text: string) => text.trim().split("\n")[0] ?? "";
