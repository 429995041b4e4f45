/**
 * `her-faq models download`: installs the Vosk English model into the user's data folder (or --model),
 * with a progress bar, resumable, checked against the official archive's SHA-256.
 */
import cliProgress from "cli-progress";
import {
  type DownloadFailure,
  installModel,
  ModelDownloadError,
  type Progress,
} from "../../models/download.js";
import {
  missingModelFiles,
  REQUIRED_MODEL_FILES,
  VOSK_MODEL_SHA256,
  VOSK_MODEL_URL,
  voskModelPath,
} from "../../models/vosk-model.js";
import { herFaq } from "../command-hint.js";
import { UserError } from "../user-error.js";

export interface DownloadOptions {
  /** Where to install the model; $VOSK_MODEL, else the user's data folder, when absent. */
  readonly model?: string;
  /** Another address for the archive; the official one when absent. */
  readonly url?: string;
  /** The archive's SHA-256 in hex; pinned for the official address, unchecked for another unless given. */
  readonly sha256?: string;
  /** The fetch to download with (one that goes through a proxy, say); the global one when absent. */
  readonly fetch?: typeof fetch;
}

/**
 * Installs the Vosk model unless the folder already holds one; returns the model folder (absolute).
 * Called by `models download` and by `listen` on first use.
 */
export async function downloadModel(options: DownloadOptions): Promise<string> {
  const destination = voskModelPath(options.model);
  const url = options.url ?? VOSK_MODEL_URL;
  const sha256 = expectedSha256(options);
  if (missingModelFiles(destination).length === 0) {
    process.stdout.write(`the Vosk model is already in ${destination}\n`);
    return destination;
  }
  if (!sha256) {
    process.stderr.write(
      "her-faq: no --sha256 given for this --url, so the archive is checked only for the size the server " +
        "announces and each file's CRC-32\n",
    );
  }
  try {
    const installed = await installModel({
      url,
      destination,
      requiredFiles: REQUIRED_MODEL_FILES,
      sha256,
      progress: process.stderr.isTTY ? progressBar() : undefined,
      fetch: options.fetch,
    });
    process.stdout.write(`the Vosk model is ready in ${installed}\n`);
    return installed;
  } catch (error) {
    if (error instanceof ModelDownloadError)
      throw new UserError(`model download failed: ${error.message}; ${nextStep(error.reason, options)}`, 1);
    throw error;
  }
}

/** The SHA-256 to check: the one given, else the pinned one when the archive is the official one. */
function expectedSha256(options: DownloadOptions): string | undefined {
  if (options.sha256 !== undefined) {
    if (!/^[0-9a-f]{64}$/i.test(options.sha256))
      throw new UserError(
        `--sha256 takes the 64 hexadecimal digits sha256sum prints, not "${options.sha256}"`,
        2,
      );
    return options.sha256.toLowerCase();
  }
  return options.url === undefined || options.url === VOSK_MODEL_URL ? VOSK_MODEL_SHA256 : undefined;
}

/** What the user should do after a failure, as a command that runs as printed. */
function nextStep(reason: DownloadFailure, options: DownloadOptions): string {
  const again = herFaq(commandLine(options));
  switch (reason) {
    case "unreachable":
    case "interrupted":
      return `run ${again} to resume`;
    case "server":
      return options.url ? `check the address, then run ${again}` : `run ${again} later to try again`;
    case "checksum":
      return options.url || options.sha256
        ? `check the address and the --sha256 value, then run ${again}`
        : `run ${again} to download it afresh; if the same happens, the file on the server has changed`;
    case "damaged":
      return `run ${again} to download it afresh`;
    case "not-a-model":
      return `give --url the address of a Vosk model archive (see https://alphacephei.com/vosk/models)`;
    case "folder":
      return `empty that folder or install elsewhere: ${herFaq("models download --model NEW-FOLDER")}`;
  }
}

/** The `models download` command with the options the user gave, so it can be repeated as printed. */
function commandLine(options: DownloadOptions): string {
  const parts = ["models download"];
  if (options.model) parts.push("--model", shellWord(options.model));
  if (options.url) parts.push("--url", shellWord(options.url));
  if (options.sha256) parts.push("--sha256", options.sha256);
  return parts.join(" ");
}

/** A word quoted only when the user's shell would split or expand it. */
function shellWord(word: string): string {
  // Windows paths are full of backslashes, which cmd and PowerShell take literally inside double quotes.
  if (process.platform === "win32") return /^[\w:,./\\-]+$/.test(word) ? word : `"${word}"`;
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function progressBar(): Progress {
  const bar = new cliProgress.SingleBar(
    { format: "vosk model [{bar}] {percentage}% | {value}/{total} bytes | eta {eta}s", hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total, done) => bar.start(total, done),
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
