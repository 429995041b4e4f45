/**
 * A cache on disk for files derived from speech models (cut-down dictionaries, the domain language model),
 * so that start-up reads small prepared files instead of deriving them again. An entry is named by a hash of
 * everything it was built from, and its files are checked against the hashes it was written with: a stale
 * entry is never found, a damaged one is rebuilt, and where no cache folder can be written the files are
 * built in a temporary folder instead.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { userFolder } from "../user-folders.js";

/** Names the cache folder to use instead of the user's own (tests, machines with a read-only home). */
export const CACHE_FOLDER_VARIABLE = "HER_FAQ_CACHE_DIR";

/** The user's cache folder for her-faq, where each operating system keeps such caches. */
export function cacheFolder(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  return env[CACHE_FOLDER_VARIABLE] || userFolder("cache", { platform, env, home });
}

export type FileContents = Readonly<Record<string, string | Uint8Array>>;

export interface CachedFiles {
  /** True when the files came from the cache, false when they were built just now. */
  readonly hit: boolean;
  /** Where one of the entry's files is. */
  path(name: string): string;
  /** Deletes the files if they had to be built in a temporary folder; cached files stay. */
  release(): void;
}

interface Manifest {
  readonly key: string;
  readonly files: Readonly<Record<string, string>>;
}

const MANIFEST = "manifest.json";

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/**
 * The files `build` makes from `inputs`, from the cache when an intact entry for exactly these inputs
 * exists, otherwise built and stored. `inputs` must hold everything the files depend on (file sizes and
 * times of the models read, the words, the code that builds them), as JSON.
 */
export function cachedFiles(
  kind: string,
  inputs: unknown,
  build: () => FileContents,
  folder: string = cacheFolder(),
): CachedFiles {
  const key = sha256(JSON.stringify(inputs));
  const entry = join(folder, `${kind}-${key.slice(0, 32)}`);
  const cached = (hit: boolean): CachedFiles => ({ hit, path: (name) => join(entry, name), release() {} });
  if (isIntact(entry, key)) return cached(true);

  const files = build();
  let staging: string | undefined;
  try {
    mkdirSync(folder, { recursive: true });
    // Written whole in a folder of its own, then renamed into place: readers never see half an entry.
    staging = mkdtempSync(join(folder, `.${kind}-`));
    writeEntry(staging, key, files);
    if (!isIntact(entry, key)) {
      // A damaged entry is moved aside before it is deleted, so an intact one is never removed.
      const aside = `${entry}.${randomUUID()}.old`;
      try {
        renameSync(entry, aside);
        rmSync(aside, { recursive: true, force: true });
      } catch {
        // Nothing there, or another process moved it first.
      }
      renameSync(staging, entry);
      staging = undefined;
    }
    return cached(false);
  } catch {
    // Another process may have stored the same entry meanwhile; otherwise the folder is not writable.
    if (isIntact(entry, key)) return cached(false);
    const temporary = mkdtempSync(join(tmpdir(), `her-faq-${kind}-`));
    writeEntry(temporary, key, files);
    return {
      hit: false,
      path: (name) => join(temporary, name),
      release: () => rmSync(temporary, { recursive: true, force: true }),
    };
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
  }
}

function writeEntry(folder: string, key: string, files: FileContents): void {
  const hashes: Record<string, string> = {};
  for (const [name, contents] of Object.entries(files)) {
    writeFileSync(join(folder, name), contents);
    hashes[name] = sha256(contents);
  }
  const manifest: Manifest = { key, files: hashes };
  writeFileSync(join(folder, MANIFEST), JSON.stringify(manifest));
}

/** Whether the entry exists, was built for this key, and every file is as it was written. */
function isIntact(entry: string, key: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(entry, MANIFEST), "utf8")) as Manifest;
    if (manifest.key !== key || typeof manifest.files !== "object" || manifest.files === null) return false;
    return Object.entries(manifest.files).every(
      ([name, hash]) => sha256(readFileSync(join(entry, name))) === hash,
    );
  } catch {
    return false;
  }
}
