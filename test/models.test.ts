import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yazl from "yazl";
import { interactionModelFor } from "../interaction-model/index.js";
import { createRecognizer } from "../local-runner/recognizers/select.js";
import { transcribe } from "../local-runner/recognizers/types.js";
import { loadVosk, VoskRecognizer } from "../local-runner/recognizers/vosk.js";
import { synthesize } from "../local-runner/speech-out/synthesize.js";
import { installModel } from "../models/download.js";
import { REQUIRED_MODEL_FILES, VOSK_MODEL_NAME } from "../models/vosk-model.js";

/** A stand-in archive with a model's layout (not a working model): what the download code must handle. */
async function modelArchive(files: readonly string[], corrupt = false): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const file of files) {
    zip.addBuffer(Buffer.from(`contents of ${file}\n`.repeat(200)), `${VOSK_MODEL_NAME}/${file}`, {
      compress: false,
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  const archive = Buffer.concat(chunks);
  if (corrupt) {
    // Flip a byte inside the first file's stored data: sizes stay right, the CRC-32 does not.
    const at = archive.indexOf(Buffer.from("contents of")) + 3;
    archive[at] = (archive[at] as number) ^ 0xff;
  }
  return archive;
}

describe("installing a speech model", () => {
  let server: Server;
  let base: string;
  let folder: string;
  const archives = new Map<string, Buffer>();
  let breakNext = false;

  beforeAll(async () => {
    archives.set("/good.zip", await modelArchive(REQUIRED_MODEL_FILES));
    archives.set("/corrupt.zip", await modelArchive(REQUIRED_MODEL_FILES, true));
    archives.set("/not-a-model.zip", await modelArchive(["README.txt"]));
    server = createServer((request, response) => {
      const archive = archives.get(request.url ?? "");
      if (!archive) return response.writeHead(404).end();
      const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
      const start = range ? Number(range[1]) : 0;
      const body = archive.subarray(start);
      response.writeHead(range ? 206 : 200, { "content-length": body.length });
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

  const install = (name: string, archive: string) =>
    installModel({
      url: `${base}/${archive}`,
      destination: join(folder, name, VOSK_MODEL_NAME),
      requiredFiles: REQUIRED_MODEL_FILES,
    });

  it("downloads, verifies and unpacks into place", async () => {
    const installed = await install("good", "good.zip");
    for (const file of REQUIRED_MODEL_FILES) expect(existsSync(join(installed, file))).toBe(true);
    expect(readFileSync(join(installed, "am/final.mdl"), "utf8")).toMatch(/^contents of am\/final\.mdl/);
    expect(existsSync(`${installed}.zip.part`)).toBe(false);
  });

  it("resumes a download that broke off", async () => {
    breakNext = true;
    await expect(install("resumed", "good.zip")).rejects.toThrow(/broke off|bytes/);
    const part = join(folder, "resumed", `${VOSK_MODEL_NAME}.zip.part`);
    expect(existsSync(part)).toBe(true);
    const installed = await install("resumed", "good.zip");
    expect(existsSync(join(installed, "conf/model.conf"))).toBe(true);
  });

  it("refuses an archive whose CRC-32 does not match, leaving nothing behind", async () => {
    await expect(install("corrupt", "corrupt.zip")).rejects.toThrow(/fails its CRC-32 check/);
    expect(existsSync(join(folder, "corrupt", VOSK_MODEL_NAME))).toBe(false);
  });

  it("refuses an archive that is not a model", async () => {
    await expect(install("other", "not-a-model.zip")).rejects.toThrow(/not a model: it lacks am\/final\.mdl/);
  });

  it("says so when the server cannot be reached", async () => {
    await expect(
      installModel({
        url: "http://127.0.0.1:9/none.zip",
        destination: join(folder, "x", VOSK_MODEL_NAME),
        requiredFiles: [],
      }),
    ).rejects.toThrow(/cannot reach .*run the command again/);
  });
});

describe("Vosk", () => {
  it("loads its native library", () => {
    expect(typeof loadVosk().Model).toBe("function");
  });

  it("explains a missing model and how to get it", () => {
    expect(() => new VoskRecognizer({ modelPath: join(tmpdir(), "no-model-here") })).toThrow(
      /no Vosk model in .*no-model-here.*her-faq models download/,
    );
    expect(() =>
      createRecognizer(interactionModelFor("en-US"), {
        engine: "vosk",
        voskModel: join(tmpdir(), "no-model-here"),
      }),
    ).toThrow(/her-faq models download/);
  });

  const modelPath = process.env.VOSK_MODEL;
  it.skipIf(!modelPath)(
    `recognizes the skill's questions with a real model (${modelPath ? `VOSK_MODEL=${modelPath}` : "skipped: set VOSK_MODEL to a downloaded model folder to run"})`,
    () => {
      const recognizer = createRecognizer(interactionModelFor("en-US"), {
        engine: "vosk",
        voskModel: modelPath,
      });
      const transcript = transcribe(
        recognizer,
        synthesize("who composed the music for her", "festival:cmu_us_slt_arctic_hts"),
      );
      recognizer.close();
      expect(transcript.text).toContain("music");
    },
  );
});
