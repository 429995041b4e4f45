/**
 * OpenFst's command-line tools (Debian: libfst-tools, with libfst22-plugins-base for the lookahead FST
 * type), run one step at a time on files.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

export const OPENFST_PACKAGES = "libfst-tools libfst22-plugins-base";
const INSTALL_HINT = `install OpenFst's tools: sudo apt-get install ${OPENFST_PACKAGES}`;

export class OpenFstUnavailable extends Error {
  override readonly name = "OpenFstUnavailable";
}

/** Where a program is on $PATH. */
function onPath(program: string): string | undefined {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .map((folder) => join(folder, program))
    .find((file) => existsSync(file));
}

/**
 * Where OpenFst's FST-type plugins live (Debian: <libdir>/fst/<soversion>, beside libfst.so). OpenFst
 * dlopen()s "olabel_lookahead-fst.so" by bare name, so that folder must be on the library path. Found from
 * the libfst that fstconvert links (ldd), else from the linker cache (ldconfig is not on a user's PATH).
 */
function pluginFolder(): string | undefined {
  const fstconvert = onPath("fstconvert");
  const linked = fstconvert ? spawnSync("ldd", [fstconvert], { encoding: "utf8" }).stdout : undefined;
  const cached = spawnSync("ldconfig", ["-p"], { encoding: "utf8" }).stdout;
  for (const listing of [linked, cached]) {
    const match = /\blibfst\.so\.(\d+)\b[^\n]*=>\s*(\S+)/.exec(listing ?? "");
    if (!match?.[1] || !match[2]) continue;
    const folder = join(dirname(match[2]), "fst", match[1]);
    if (existsSync(join(folder, "olabel_lookahead-fst.so"))) return folder;
  }
  return undefined;
}

let environment: NodeJS.ProcessEnv | undefined;

function toolEnvironment(): NodeJS.ProcessEnv {
  if (environment) return environment;
  const plugins = pluginFolder();
  const paths = [plugins, process.env.LD_LIBRARY_PATH].filter((path) => path !== undefined && path !== "");
  environment = { ...process.env, LD_LIBRARY_PATH: paths.join(":") };
  return environment;
}

/** Runs one OpenFst tool; its stdout (most write their result to the file named last). */
export function openfst(tool: string, args: readonly string[]): string {
  const run = spawnSync(tool, args, { encoding: "utf8", env: toolEnvironment() });
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new OpenFstUnavailable(missing ? `${tool} is not installed; ${INSTALL_HINT}` : run.error.message);
  }
  if (run.status !== 0) {
    const said = (run.stderr || run.stdout).trim();
    const hint = /olabel_lookahead|Unknown FST type/.test(said) ? `; ${INSTALL_HINT}` : "";
    throw new OpenFstUnavailable(`${tool} ${args.join(" ")} failed: ${said}${hint}`);
  }
  return run.stdout;
}
