/**
 * `her-faq models download` and where the Vosk model lives: zips served from a loopback server that
 * honours Range, If-Range and ETag, installed through the real download code.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import yazl from "yazl";
import { downloadModel } from "../local-runner/commands/models.js";
import { installModel } from "../models/download.js";
import {
  modelsFolderFor,
  REQUIRED_MODEL_FILES,
  VOSK_MODEL_NAME,
  VOSK_MODEL_SHA256,
  VOSK_MODEL_URL,
  voskModelPath,
} from "../models/vosk-model.js";
import { repoRoot } from "./paths.js";

interface ArchiveShape {
  /** The archive's top folder; none puts the model files at the archive's root. */
  readonly top?: string;
  /** Text repeated in every file, to tell two versions of an archive apart. */
  readonly text?: string;
  readonly corrupt?: boolean;
}

/** A stand-in archive with a model's layout (not a working model): what the download code must handle. */
async function modelArchive(files: readonly string[], shape: ArchiveShape = {}): Promise<Buffer> {
  const { top = VOSK_MODEL_NAME, text = "contents of", corrupt = false } = shape;
  const zip = new yazl.ZipFile();
  for (const file of files) {
    zip.addBuffer(Buffer.from(`${text} ${file}\n`.repeat(200)), top ? `${top}/${file}` : file, {
      compress: false,
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  const archive = Buffer.concat(chunks);
  if (corrupt) {
    // Flip a byte inside the first file's stored data: sizes stay right, the CRC-32 does not.
    const at = archive.indexOf(Buffer.from(text)) + 3;
    archive[at] = (archive[at] as number) ^ 0xff;
  }
  return archive;
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

interface Served {
  readonly body: Buffer;
  readonly etag?: string;
  readonly lastModified?: string;
}

interface Seen {
  readonly path: string;
  readonly range?: string;
  readonly ifRange?: string;
  readonly status: number;
}

let server: Server;
let base: string;
let folder: string;
const served = new Map<string, Served>();
const seen: Seen[] = [];
let breakNext = false;

beforeAll(async () => {
  const good = await modelArchive(REQUIRED_MODEL_FILES);
  served.set("/good.zip", { body: good, etag: '"good"' });
  served.set("/corrupt.zip", { body: await modelArchive(REQUIRED_MODEL_FILES, { corrupt: true }) });
  served.set("/not-a-model.zip", { body: await modelArchive(["README.txt"]) });
  served.set("/other-top.zip", { body: await modelArchive(REQUIRED_MODEL_FILES, { top: "some-model-1.0" }) });
  served.set("/flat.zip", { body: await modelArchive(REQUIRED_MODEL_FILES, { top: "" }) });
  served.set("/no-validator.zip", { body: good });
  // A server behaving as RFC 9110 says: Range is honoured only if If-Range (when sent) still matches.
  server = createServer((request, response) => {
    const path = request.url ?? "";
    const file = served.get(path);
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    const ifRange = request.headers["if-range"] as string | undefined;
    const record = (status: number) => seen.push({ path, range: request.headers.range, ifRange, status });
    if (!file) {
      record(404);
      return response.writeHead(404).end();
    }
    const validators = { etag: file.etag, "last-modified": file.lastModified };
    const headers = Object.fromEntries(Object.entries(validators).filter(([, value]) => value !== undefined));
    const unchanged = ifRange === undefined || ifRange === file.etag || ifRange === file.lastModified;
    const start = range && unchanged ? Number(range[1]) : 0;
    const total = file.body.length;
    if (start >= total && start > 0) {
      record(416);
      return response.writeHead(416, { ...headers, "content-range": `bytes */${total}` }).end();
    }
    const body = file.body.subarray(start);
    const status = range && unchanged ? 206 : 200;
    record(status);
    response.writeHead(status, {
      ...headers,
      "content-length": body.length,
      ...(status === 206 ? { "content-range": `bytes ${start}-${total - 1}/${total}` } : {}),
    });
    if (breakNext) {
      // The connection drops halfway through.
      breakNext = false;
      response.write(body.subarray(0, Math.floor(body.length / 2)));
      setTimeout(() => response.destroy(), 50);
      return;
    }
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  folder = mkdtempSync(join(tmpdir(), "her-faq-models-"));
});

afterAll(() => {
  server.close();
  rmSync(folder, { recursive: true, force: true });
});

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const readModelFile = (model: string) => readFileSync(join(model, "am/final.mdl"), "utf8");

describe("installing a speech model", () => {
  const install = (destination: string, archive: string, sha?: string) =>
    installModel({
      url: `${base}/${archive}`,
      destination,
      requiredFiles: REQUIRED_MODEL_FILES,
      sha256: sha,
    });

  it("downloads, verifies the SHA-256 and unpacks into place, leaving no partial files", async () => {
    const destination = join(folder, "good", VOSK_MODEL_NAME);
    const installed = await install(destination, "good.zip", sha256(served.get("/good.zip")?.body as Buffer));
    expect(installed).toBe(destination);
    for (const file of REQUIRED_MODEL_FILES) expect(existsSync(join(installed, file))).toBe(true);
    expect(readModelFile(installed)).toMatch(/^contents of am\/final\.mdl/);
    expect(readdirSync(join(folder, "good"))).toEqual([VOSK_MODEL_NAME]);
  });

  it("installs into a folder of any name, whatever the archive's top folder is called", async () => {
    const installed = await install(join(folder, "named", "my model"), "other-top.zip");
    expect(readModelFile(installed)).toMatch(/^contents of am\/final\.mdl/);
    expect(existsSync(join(installed, "some-model-1.0"))).toBe(false);
  });

  it("installs an archive whose model files sit at its root", async () => {
    const installed = await install(join(folder, "flat", "model"), "flat.zip");
    expect(existsSync(join(installed, "graph/phones/word_boundary.int"))).toBe(true);
  });

  it("installs into a relative folder given with ./ and ..", async () => {
    const destination = `./${relative(process.cwd(), folder)}/relative/unused/../model`;
    const installed = await install(destination, "good.zip");
    expect(installed).toBe(join(folder, "relative", "model"));
    expect(readModelFile(installed)).toMatch(/^contents of am\/final\.mdl/);
  });

  it("installs into an empty folder that already exists", async () => {
    const destination = join(folder, "empty");
    mkdirSync(destination);
    await install(destination, "good.zip");
    expect(readModelFile(destination)).toMatch(/^contents of am\/final\.mdl/);
  });

  it("refuses a folder holding other files, and leaves them as they were", async () => {
    const destination = join(folder, "occupied");
    mkdirSync(join(destination, "am"), { recursive: true });
    writeFileSync(join(destination, "am", "final.mdl"), "a half-copied model");
    writeFileSync(join(destination, "notes.txt"), "mine");
    const requests = seen.length;
    await expect(install(destination, "good.zip")).rejects.toThrow(
      /occupied holds other files but not a complete model \(it lacks conf\/mfcc\.conf.*nothing was changed/,
    );
    expect(readdirSync(destination).sort()).toEqual(["am", "notes.txt"]);
    expect(readFileSync(join(destination, "am", "final.mdl"), "utf8")).toBe("a half-copied model");
    expect(seen.length).toBe(requests);
  });

  it("downloads nothing when the folder already holds a model", async () => {
    const destination = join(folder, "ready");
    await install(destination, "good.zip");
    const requests = seen.length;
    await expect(install(destination, "good.zip")).resolves.toBe(destination);
    expect(seen.length).toBe(requests);
  });

  it("resumes a download that broke off, sending the ETag as If-Range", async () => {
    const destination = join(folder, "resumed", VOSK_MODEL_NAME);
    breakNext = true;
    await expect(install(destination, "good.zip")).rejects.toThrow(/broke off|bytes/);
    expect(existsSync(`${destination}.zip.part`)).toBe(true);
    await install(destination, "good.zip", sha256(served.get("/good.zip")?.body as Buffer));
    const resumed = seen.at(-1);
    expect(resumed?.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(resumed).toMatchObject({ ifRange: '"good"', status: 206 });
    expect(readModelFile(destination)).toMatch(/^contents of am\/final\.mdl/);
  });

  it("starts over when the file changed on the server since the download broke off", async () => {
    const destination = join(folder, "changed", VOSK_MODEL_NAME);
    served.set("/changing.zip", {
      body: await modelArchive(REQUIRED_MODEL_FILES, { text: "old" }),
      etag: '"1"',
    });
    breakNext = true;
    await expect(install(destination, "changing.zip")).rejects.toThrow(/broke off|bytes/);
    const updated = await modelArchive(REQUIRED_MODEL_FILES, { text: "new version of" });
    served.set("/changing.zip", { body: updated, etag: '"2"' });
    await install(destination, "changing.zip", sha256(updated));
    expect(seen.at(-1)).toMatchObject({ ifRange: '"1"', status: 200 });
    expect(readModelFile(destination)).toMatch(/^new version of am\/final\.mdl/);
  });

  it("resumes with Last-Modified as If-Range when the server's ETag is weak", async () => {
    const lastModified = "Tue, 15 Nov 1994 08:12:31 GMT";
    served.set("/weak.zip", { body: served.get("/good.zip")?.body as Buffer, etag: 'W/"w"', lastModified });
    const destination = join(folder, "weak", VOSK_MODEL_NAME);
    breakNext = true;
    await expect(install(destination, "weak.zip")).rejects.toThrow(/broke off|bytes/);
    await install(destination, "weak.zip");
    expect(seen.at(-1)).toMatchObject({ ifRange: lastModified, status: 206 });
  });

  it("deletes an archive whose SHA-256 is not the expected one, and says so", async () => {
    const destination = join(folder, "mismatch", VOSK_MODEL_NAME);
    await expect(install(destination, "good.zip", "0".repeat(64))).rejects.toThrow(
      /SHA-256 is [0-9a-f]{64}, not the expected 0{64}, so it was deleted/,
    );
    expect(readdirSync(join(folder, "mismatch"))).toEqual([]);
  });

  it("refuses an archive whose CRC-32 does not match, leaving nothing behind", async () => {
    await expect(install(join(folder, "corrupt", VOSK_MODEL_NAME), "corrupt.zip")).rejects.toThrow(
      /fails its CRC-32 check/,
    );
    expect(readdirSync(join(folder, "corrupt"))).toEqual([]);
  });

  it("refuses an archive that is not a model", async () => {
    await expect(install(join(folder, "other", VOSK_MODEL_NAME), "not-a-model.zip")).rejects.toThrow(
      /not a Vosk model: it lacks am\/final\.mdl/,
    );
  });

  it("says so when the server cannot be reached", async () => {
    await expect(
      installModel({
        url: "http://127.0.0.1:9/none.zip",
        destination: join(folder, "unreachable", VOSK_MODEL_NAME),
        requiredFiles: [],
      }),
    ).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:9\/none\.zip/);
  });
});

describe("her-faq models download", () => {
  let output: string;
  beforeEach(() => {
    output = "";
    const capture = (chunk: string | Uint8Array) => {
      output += String(chunk);
      return true;
    };
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it.runIf(process.platform === "linux")("installs into the user's data folder by default", async () => {
    const data = join(folder, "xdg");
    vi.stubEnv("XDG_DATA_HOME", data);
    vi.stubEnv("VOSK_MODEL", undefined);
    const good = served.get("/good.zip")?.body as Buffer;
    const installed = await downloadModel({ url: `${base}/good.zip`, sha256: sha256(good) });
    expect(installed).toBe(join(data, "her-faq", "models", VOSK_MODEL_NAME));
    expect(output).toContain(`the Vosk model is ready in ${installed}`);
  });

  it("installs where a relative --model points", async () => {
    const model = `./${relative(process.cwd(), folder)}/cli/../cli-model`;
    const installed = await downloadModel({ model, url: `${base}/good.zip` });
    expect(installed).toBe(join(folder, "cli-model"));
    expect(readModelFile(installed)).toMatch(/^contents of am\/final\.mdl/);
  });

  it("says a custom --url without --sha256 is checked for size and CRC-32 only", async () => {
    await downloadModel({ model: join(folder, "unpinned"), url: `${base}/good.zip` });
    expect(output).toMatch(/no --sha256 given for this --url.*size.*CRC-32/);
  });

  it("checks the official archive against its pinned SHA-256", async () => {
    const asked: string[] = [];
    // Stands in for alphacephei.com: answers the official address with an archive that is not the real one.
    const official: typeof fetch = (input, init) => {
      asked.push(String(input));
      return fetch(`${base}/good.zip`, init);
    };
    const model = join(folder, "official");
    await expect(downloadModel({ model, fetch: official })).rejects.toThrow(
      new RegExp(`not the expected ${VOSK_MODEL_SHA256}.*her-faq models download --model ${escaped(model)} `),
    );
    expect(asked).toEqual([VOSK_MODEL_URL]);
    expect(existsSync(model)).toBe(false);
  });

  it("tells the user how to resume a download that broke off", async () => {
    breakNext = true;
    const model = join(folder, "broken");
    await expect(downloadModel({ model, url: `${base}/good.zip` })).rejects.toThrow(
      new RegExp(
        `broke off.*run (npx )?her-faq models download --model ${escaped(model)} --url ${escaped(base)}/good\\.zip to resume`,
      ),
    );
  });

  it("tells the user to pick another folder when --model holds other files", async () => {
    const model = join(folder, "users-folder");
    mkdirSync(model);
    writeFileSync(join(model, "photo.jpg"), "mine");
    await expect(downloadModel({ model, url: `${base}/good.zip` })).rejects.toThrow(
      /holds other files.*her-faq models download --model NEW-FOLDER/,
    );
    expect(readFileSync(join(model, "photo.jpg"), "utf8")).toBe("mine");
  });

  it("refuses a --sha256 that is not one", async () => {
    await expect(downloadModel({ url: `${base}/good.zip`, sha256: "abc" })).rejects.toThrow(
      /--sha256 takes the 64 hexadecimal digits/,
    );
  });
});

describe("where the Vosk model lives", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("is the XDG data folder on Linux, else ~/.local/share", () => {
    const home = "/home/theo";
    expect(modelsFolderFor({ platform: "linux", env: { XDG_DATA_HOME: "/data/theo" }, home })).toBe(
      "/data/theo/her-faq/models",
    );
    expect(modelsFolderFor({ platform: "linux", env: {}, home })).toBe(
      "/home/theo/.local/share/her-faq/models",
    );
    // The XDG spec says to ignore a relative $XDG_DATA_HOME.
    expect(modelsFolderFor({ platform: "linux", env: { XDG_DATA_HOME: "data" }, home })).toBe(
      "/home/theo/.local/share/her-faq/models",
    );
  });

  it("is Application Support on macOS", () => {
    expect(modelsFolderFor({ platform: "darwin", env: { XDG_DATA_HOME: "/x" }, home: "/Users/theo" })).toBe(
      "/Users/theo/Library/Application Support/her-faq/models",
    );
  });

  it("is %LOCALAPPDATA% on Windows", () => {
    const home = "C:\\Users\\theo";
    expect(modelsFolderFor({ platform: "win32", env: { LOCALAPPDATA: "D:\\Local" }, home })).toBe(
      "D:\\Local\\her-faq\\models",
    );
    expect(modelsFolderFor({ platform: "win32", env: {}, home })).toBe(
      "C:\\Users\\theo\\AppData\\Local\\her-faq\\models",
    );
  });

  it("takes --model first, then $VOSK_MODEL, then the data folder, never the package's own folder", () => {
    vi.stubEnv("VOSK_MODEL", "/opt/vosk/model");
    expect(voskModelPath("/elsewhere/model")).toBe("/elsewhere/model");
    expect(voskModelPath()).toBe("/opt/vosk/model");
    vi.stubEnv("VOSK_MODEL", undefined);
    const fallback = voskModelPath();
    expect(isAbsolute(fallback)).toBe(true);
    expect(fallback.endsWith(VOSK_MODEL_NAME)).toBe(true);
    expect(fallback.startsWith(repoRoot)).toBe(false);
    expect(fallback).not.toContain("node_modules");
  });
});
