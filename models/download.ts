/**
 * Fetches a speech model archive and installs it: download with a progress bar, resuming a broken
 * download (HTTP Range) or restarting it when the server will not resume; verify the size the server
 * announced, every entry's CRC-32 and the files a model must hold; unpack into a temporary folder and
 * rename it into place, so a half-installed model never exists.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import yauzl from "yauzl";

export class ModelDownloadError extends Error {
  override readonly name = "ModelDownloadError";
}

export interface Progress {
  start(total: number, done: number): void;
  update(done: number): void;
  stop(): void;
}

export interface InstallOptions {
  readonly url: string;
  /** The folder the model ends up in (its name is the archive's top folder). */
  readonly destination: string;
  readonly requiredFiles: readonly string[];
  readonly progress?: Progress;
  readonly fetch?: typeof fetch;
}

/** Downloads (resuming a .part file), verifies and unpacks; returns the installed model folder. */
export async function installModel(options: InstallOptions): Promise<string> {
  if (existsSync(options.destination)) return options.destination;
  mkdirSync(dirname(options.destination), { recursive: true });
  const archive = `${options.destination}.zip.part`;
  await download(options.url, archive, options.progress, options.fetch ?? fetch);
  const staging = `${options.destination}.unpacking-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await unpackVerified(archive, staging);
    const root = join(staging, topFolderName(options.destination));
    const modelRoot = existsSync(root) ? root : staging;
    const missing = options.requiredFiles.filter((file) => !existsSync(join(modelRoot, file)));
    if (missing.length > 0)
      throw new ModelDownloadError(`the archive is not a model: it lacks ${missing.join(", ")}`);
    renameSync(modelRoot, options.destination);
  } catch (error) {
    // A corrupt archive is not worth resuming: the next try starts over.
    rmSync(archive, { force: true });
    throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  rmSync(archive, { force: true });
  return options.destination;
}

function topFolderName(destination: string): string {
  return destination.split(sep).filter(Boolean).at(-1) ?? "";
}

async function download(
  url: string,
  file: string,
  progress: Progress | undefined,
  get: typeof fetch,
): Promise<void> {
  const have = existsSync(file) ? statSync(file).size : 0;
  let response: Response;
  try {
    response = await get(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
  } catch (error) {
    throw new ModelDownloadError(
      `cannot reach ${url} (${(error as Error).message}); check the network and run the command again to resume`,
    );
  }
  if (response.status === 416 && have > 0) return; // already complete
  if (!response.ok || !response.body) throw new ModelDownloadError(`${url} answered HTTP ${response.status}`);
  const resuming = response.status === 206;
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  const expected = resuming ? have + length : length;
  progress?.start(Number.isFinite(expected) ? expected : 0, resuming ? have : 0);
  let done = resuming ? have : 0;
  const counted = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream).on(
    "data",
    (chunk: Buffer) => {
      done += chunk.length;
      progress?.update(done);
    },
  );
  try {
    await pipeline(counted, createWriteStream(file, { flags: resuming ? "a" : "w" }));
  } catch (error) {
    throw new ModelDownloadError(
      `the download broke off (${(error as Error).message}); run the command again to resume`,
    );
  } finally {
    progress?.stop();
  }
  const size = statSync(file).size;
  if (Number.isFinite(expected) && size !== expected) {
    throw new ModelDownloadError(
      `the download is ${size} bytes, the server announced ${expected}; run the command again to resume`,
    );
  }
}

/** Unpacks every entry, checking each one's CRC-32 and refusing paths that leave the folder. */
function unpackVerified(archive: string, folder: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(archive, { lazyEntries: true, validateEntrySizes: true }, (openError, zip) => {
      if (openError || !zip)
        return reject(new ModelDownloadError(`the archive is damaged (${openError?.message})`));
      const fail = (message: string) => {
        zip.close();
        reject(new ModelDownloadError(message));
      };
      zip.on("error", (error: Error) => fail(`the archive is damaged (${error.message})`));
      zip.on("end", () => resolve());
      zip.on("entry", (entry: yauzl.Entry) => {
        const target = normalize(join(folder, entry.fileName));
        if (!target.startsWith(folder + sep))
          return fail(`the archive holds an unsafe path: ${entry.fileName}`);
        if (entry.fileName.endsWith("/")) {
          mkdirSync(target, { recursive: true });
          return zip.readEntry();
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return fail(`the archive is damaged (${streamError?.message})`);
          mkdirSync(dirname(target), { recursive: true });
          let checksum = 0;
          stream.on("data", (chunk: Buffer) => {
            checksum = crc32(chunk, checksum);
          });
          pipeline(stream, createWriteStream(target))
            .then(() => {
              if (checksum >>> 0 !== entry.crc32 >>> 0)
                return fail(`${entry.fileName} fails its CRC-32 check: the archive is damaged`);
              zip.readEntry();
            })
            .catch((error: Error) => fail(`cannot unpack ${entry.fileName} (${error.message})`));
        });
      });
      zip.readEntry();
    });
  });
}
