/** `her-faq devices`: the microphones `listen --device` can pick, by number and name, or what to do when none are. */
import { listMicrophones, MicrophoneUnavailable, microphoneHelp } from "../audio/microphone.js";
import { herFaq } from "../command-hint.js";
import { UserError } from "../user-error.js";

/** Prints the microphones; returns the exit code: 1 when none are listed. */
export function devices(): number {
  let microphones: { index: number; name: string }[];
  try {
    microphones = listMicrophones();
  } catch (error) {
    if (error instanceof MicrophoneUnavailable) throw new UserError(error.message, 1);
    throw error;
  }
  process.stdout.write(describeMicrophones(microphones, process.platform));
  return microphones.length === 0 ? 1 : 0;
}

/** The listing as the user reads it; pure, so each platform's wording can be checked anywhere. */
export function describeMicrophones(
  microphones: readonly { index: number; name: string }[],
  platform: NodeJS.Platform,
): string {
  if (microphones.length === 0)
    return (
      "No microphones are listed.\n" +
      `${microphoneHelp(platform)}\n` +
      `${herFaq("listen")} still tries the default input; or type instead: ${herFaq("chat")}\n`
    );
  const width = String(microphones.length - 1).length;
  const lines = microphones.map(({ index, name }) => `  ${String(index).padStart(width)}  ${name}\n`);
  return (
    "Microphones:\n" +
    lines.join("") +
    `Pick one by its number or part of its name, e.g. ${herFaq(`listen --device ${microphones[0]?.index}`)}\n` +
    "Without --device, listen uses the system's default input.\n"
  );
}
