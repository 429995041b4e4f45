/** Whether libspeexdsp can be loaded here: its message (what to install) when not, for tests to skip on. */
import { EchoCancellerUnavailable, speexLibrary } from "../../local-runner/audio/echo-canceller.js";

export function speexMissing(): string | undefined {
  try {
    speexLibrary();
    return undefined;
  } catch (error) {
    if (error instanceof EchoCancellerUnavailable) return error.message;
    throw error;
  }
}
