/** `her-faq models download`: installs the Vosk English model, with a progress bar, resumable. */
import cliProgress from "cli-progress";
import { installModel, ModelDownloadError, type Progress } from "../../models/download.js";
import { REQUIRED_MODEL_FILES, VOSK_MODEL_URL, voskModelPath } from "../../models/vosk-model.js";
import { UserError } from "../runtime.js";

export interface DownloadOptions {
  readonly model?: string;
  readonly url?: string;
}

export async function downloadModel(options: DownloadOptions): Promise<string> {
  const destination = voskModelPath(options.model);
  const bar = new cliProgress.SingleBar(
    { format: "vosk model [{bar}] {percentage}% | {value}/{total} bytes | eta {eta}s", hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const progress: Progress = {
    start: (total, done) => bar.start(total, done),
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
  try {
    const installed = await installModel({
      url: options.url ?? VOSK_MODEL_URL,
      destination,
      requiredFiles: REQUIRED_MODEL_FILES,
      progress: process.stderr.isTTY ? progress : undefined,
    });
    process.stdout.write(`the Vosk model is ready in ${installed}\n`);
    return installed;
  } catch (error) {
    if (error instanceof ModelDownloadError)
      throw new UserError(`model download failed: ${error.message}`, 1);
    throw error;
  }
}
