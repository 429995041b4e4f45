/** The users who cut in over an answer, in bench:barge-in (a simulated room) and bench:conversation (real time). */
import type { SynthVoice } from "../local-runner/speech-out/synthesize.js";

export const BARGE_IN_VOICES: readonly SynthVoice[] = [
  "festival:kal_diphone",
  "espeak:en-us",
  "flite:awb",
  "flite:rms",
  "flite:slt",
  "festival:cmu_us_slt_arctic_hts",
];
