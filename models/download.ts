/**
 * Fetches a speech model archive and installs it: download with a progress bar, resuming a broken
 * download (HTTP Range, guarded by If-Range so a file changed on the server restarts instead of being
 * spliced); verify the archive's SHA-256 when one is known, the size the server announced and every
 * entry's CRC-32; find the model inside the archive whatever its top folder is called; unpack into a
 * temporary folder and rename it into place, so a half-installed model never exists.
 */
import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream } from "node:stream/web";
import { crc32 } from "node:zlib";
import yauzl from "yauzl";

/** What went wrong, so the caller can say what to do next (resume, fetch afresh, pick another folder). */
export type DownloadFailure =
  /** The network or the server failed before or during the download; the partial file is kept. */
  | "unreachable"
  | "server"
  | "interrupted"
  /** The archive is not the expected one (SHA-256), is damaged or holds no model; it was deleted. */
  | "checksum"
  | "damaged"
  | "not-a-model"
  /** The destination holds something else, or cannot be written; nothing was changed. */
  | "folder";

export class ModelDownloadError extends Error {
  override readonly name = "ModelDownloadError";
  constructor(
    message: string,
    readonly reason: DownloadFailure,
  ) {
    super(message);
  }
}

export interface Progress {
  start(total: number, done: number): void;
  update(done: number): void;
  stop(): void;
}

export interface InstallOptions {
  readonly url: string;
  /**
   * The folder the model ends up in, named anything, relative or absolute. It must not exist, be empty,
   * or already hold a model (then nothing is downloaded).
   */
  readonly destination: string;
  readonly requiredFiles: readonly string[];
  /** The archive's SHA-256 in hex. Without it only the announced size and each entry's CRC-32 are checked. */
  readonly sha256?: string;
  readonly progress?: Progress;
  readonly fetch?: typeof fetch;
}

/**
 * Downloads (resuming a .part file beside the destination), verifies and unpacks; returns the installed
 * model folder as an absolute path.
 */
export async function installModel(options: InstallOptions): Promise<string> {
  const destination = resolve(options.destination);
  if (destinationHoldsModel(destination, options.requiredFiles)) return destination;
  try {
    mkdirSync(dirname(destination), { recursive: true });
  } catch (error) {
    throw new ModelDownloadError(`cannot create ${dirname(destination)} (${errorText(error)})`, "folder");
  }
  const archive = `${destination}.zip.part`;
  const sidecar = `${archive}.json`;
  const discardArchive = () => {
    rmSync(archive, { force: true });
    rmSync(sidecar, { force: true });
  };
  await download(options.url, archive, sidecar, options.progress, options.fetch ?? fetch);
  if (options.sha256) {
    const actual = await sha256Of(archive);
    if (actual !== options.sha256.toLowerCase()) {
      discardArchive();
      throw new ModelDownloadError(
        `the archive's SHA-256 is ${actual}, not the expected ${options.sha256.toLowerCase()}, so it was deleted`,
        "checksum",
      );
    }
  }
  const staging = `${destination}.unpacking-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await unpackVerified(archive, staging);
    const modelRoot = modelRootIn(staging, options.requiredFiles);
    // Only an empty folder is in the way here (destinationHoldsModel refused any other); rmdir cannot
    // delete a file the user put there meanwhile.
    if (existsSync(destination)) rmdirSync(destination);
    renameSync(modelRoot, destination);
  } catch (error) {
    // A damaged archive is not worth resuming: the next try starts over. Any other failure (a full disk,
    // a folder that cannot be written) keeps it, so the next try does not download it again.
    if (error instanceof ModelDownloadError) discardArchive();
    throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  discardArchive();
  return destination;
}

/** True if the folder already holds a model; false if it is absent or empty; throws if it holds other things. */
function destinationHoldsModel(folder: string, requiredFiles: readonly string[]): boolean {
  if (!existsSync(folder)) return false;
  if (!statSync(folder).isDirectory())
    throw new ModelDownloadError(`${folder} is a file, not a folder; nothing was changed`, "folder");
  const missing = requiredFiles.filter((file) => !existsSync(join(folder, file)));
  if (missing.length === 0) return true;
  if (readdirSync(folder).length === 0) return false;
  // Never install over, or delete, what someone else put there.
  throw new ModelDownloadError(
    `${folder} holds other files but not a complete model (it lacks ${missing.join(", ")}); nothing was changed`,
    "folder",
  );
}

/** What the sidecar file beside a .part file remembers, so a resumed download continues the same file. */
interface PartialDownload {
  readonly url: string;
  /** A strong ETag, else Last-Modified, of the first response: sent as If-Range when resuming. */
  readonly validator?: string;
}

async function download(
  url: string,
  file: string,
  sidecar: string,
  progress: Progress | undefined,
  get: typeof fetch,
): Promise<void> {
  const saved = readSidecar(sidecar);
  const partial = existsSync(file) ? statSync(file).size : 0;
  // A partial file from another address, or of unknown origin, cannot be continued safely.
  let from = partial > 0 && saved?.url === url ? partial : 0;
  for (let attempt = 1; ; attempt++) {
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (from > 0) {
      headers.range = `bytes=${from}-`;
      if (saved?.validator) headers["if-range"] = saved.validator;
    }
    const response = await request(get, url, headers);
    const plan = planFor(response, from);
    if (plan.kind !== "fresh" && plan.kind !== "append") {
      await response.body?.cancel();
      if (plan.kind === "complete") return;
      if (plan.kind === "restart" && attempt === 1) {
        from = 0;
        continue;
      }
      throw httpError(url, response.status);
    }
    if (!response.body) throw httpError(url, response.status);
    if (plan.kind === "fresh") writeSidecar(sidecar, { url, validator: validatorOf(response) });
    return receive(
      response.body as ReadableStream,
      file,
      plan.kind === "append" ? from : 0,
      plan.total,
      progress,
    );
  }
}

type Plan =
  | { readonly kind: "complete" | "restart" | "fail" }
  | { readonly kind: "fresh" | "append"; readonly total: number | undefined };

/** What a response means for the .part file that holds `from` bytes. */
function planFor(response: Response, from: number): Plan {
  const range = contentRange(response.headers.get("content-range"));
  if (response.status === 416 && from > 0)
    // The server has nothing past `from`: done if the file is exactly that long, else it changed.
    return range?.total === from ? { kind: "complete" } : { kind: "restart" };
  if (response.status === 206) {
    // A range that does not start where the file ends cannot be appended.
    if (!range || range.start !== from) return { kind: "restart" };
    return { kind: from > 0 ? "append" : "fresh", total: range.total };
  }
  if (response.ok) {
    // 200 to a request with Range and If-Range: the file changed (or the server does not resume).
    const length = Number(response.headers.get("content-length") ?? Number.NaN);
    return { kind: "fresh", total: Number.isFinite(length) ? length : undefined };
  }
  return { kind: "fail" };
}

function httpError(url: string, status: number): ModelDownloadError {
  return new ModelDownloadError(`${url} answered HTTP ${status}`, "server");
}

function contentRange(header: string | null): { start: number; total: number | undefined } | undefined {
  const match = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(header?.trim() ?? "");
  if (!match) return undefined;
  return {
    start: match[1] === undefined ? Number.NaN : Number(match[1]),
    total: match[2] === "*" ? undefined : Number(match[2]),
  };
}

/** If-Range accepts only a strong ETag; a weak one (W/"...") falls back to Last-Modified. */
function validatorOf(response: Response): string | undefined {
  const etag = response.headers.get("etag");
  if (etag && !etag.startsWith("W/")) return etag;
  return response.headers.get("last-modified") ?? undefined;
}

async function request(get: typeof fetch, url: string, headers: Record<string, string>): Promise<Response> {
  try {
    return await get(url, { headers });
  } catch (error) {
    throw new ModelDownloadError(`cannot reach ${url} (${errorText(error)})`, "unreachable");
  }
}

async function receive(
  body: ReadableStream,
  file: string,
  from: number,
  total: number | undefined,
  progress: Progress | undefined,
): Promise<void> {
  progress?.start(total ?? 0, from);
  let done = from;
  const counted = Readable.fromWeb(body).on("data", (chunk: Buffer) => {
    done += chunk.length;
    progress?.update(done);
  });
  try {
    await pipeline(counted, createWriteStream(file, { flags: from > 0 ? "a" : "w" }));
  } catch (error) {
    throw new ModelDownloadError(
      `the download broke off after ${existsSync(file) ? statSync(file).size : 0} bytes (${errorText(error)})`,
      "interrupted",
    );
  } finally {
    progress?.stop();
  }
  const size = statSync(file).size;
  if (total !== undefined && size !== total)
    throw new ModelDownloadError(
      `the download is ${size} bytes, the server announced ${total}`,
      "interrupted",
    );
}

function readSidecar(sidecar: string): PartialDownload | undefined {
  try {
    const saved = JSON.parse(readFileSync(sidecar, "utf8")) as Partial<PartialDownload>;
    if (typeof saved.url !== "string") return undefined;
    return { url: saved.url, validator: typeof saved.validator === "string" ? saved.validator : undefined };
  } catch {
    return undefined; // absent or unreadable: the .part file is of unknown origin
  }
}

function writeSidecar(sidecar: string, saved: PartialDownload): void {
  writeFileSync(sidecar, `${JSON.stringify(saved)}\n`);
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * The model inside an unpacked archive: the archive's single top folder (whatever it is called), or the
 * archive's root when the model files sit there.
 */
function modelRootIn(unpacked: string, requiredFiles: readonly string[]): string {
  // Archives made on macOS carry a __MACOSX folder beside the real one.
  const top = readdirSync(unpacked, { withFileTypes: true }).filter((entry) => entry.name !== "__MACOSX");
  const candidates =
    top.length === 1 && top[0]?.isDirectory() ? [join(unpacked, top[0].name), unpacked] : [unpacked];
  const missing = candidates.map((folder) => requiredFiles.filter((file) => !existsSync(join(folder, file))));
  const found = missing.findIndex((files) => files.length === 0);
  if (found >= 0) return candidates[found] as string;
  throw new ModelDownloadError(
    `the archive is not a Vosk model: it lacks ${(missing[0] ?? []).join(", ")}`,
    "not-a-model",
  );
}

/** Unpacks every entry, checking each one's CRC-32 and refusing paths that leave the folder. */
function unpackVerified(archive: string, into: string): Promise<void> {
  const folder = resolve(into);
  return new Promise((done, reject) => {
    yauzl.open(archive, { lazyEntries: true, validateEntrySizes: true }, (openError, zip) => {
      if (openError || !zip)
        return reject(new ModelDownloadError(`the archive is damaged (${openError?.message})`, "damaged"));
      const fail = (message: string) => {
        zip.close();
        reject(new ModelDownloadError(message, "damaged"));
      };
      zip.on("error", (error: Error) => fail(`the archive is damaged (${error.message})`));
      zip.on("end", () => done());
      zip.on("entry", (entry: yauzl.Entry) => {
        const target = resolve(folder, entry.fileName);
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
            .catch((error: NodeJS.ErrnoException) => {
              // A file that cannot be written (a full disk) is this machine's fault, not the archive's.
              if (error.syscall) {
                zip.close();
                return reject(error);
              }
              fail(`${entry.fileName} is damaged (${error.message})`);
            });
        });
      });
      zip.readEntry();
    });
  });
}

/** The most telling text of an error: fetch hides the network's reason in `cause`. */
function errorText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message ?? cause?.code ?? (error as Error).message ?? String(error);
}
