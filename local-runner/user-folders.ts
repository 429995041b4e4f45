/**
 * Where her-faq keeps this user's files on each operating system: data (downloaded models) and caches
 * (files derived from models). Never the package's own folder, which a global install cannot write to.
 */
import { homedir } from "node:os";
import path from "node:path";

/** What decides where a user's files go: passed in so every platform's answer can be tested anywhere. */
export interface UserSystem {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
}

export const thisSystem = (): UserSystem => ({
  platform: process.platform,
  env: process.env,
  home: homedir(),
});

/** The join of the system's own path flavour, so Windows paths come out right when tested elsewhere. */
export const joinFor = (platform: NodeJS.Platform) =>
  platform === "win32" ? path.win32.join : path.posix.join;

/** her-faq's folder of this kind for this user: XDG on Linux, ~/Library on macOS, %LOCALAPPDATA% on Windows. */
export function userFolder(
  kind: "data" | "cache",
  { platform, env, home }: UserSystem = thisSystem(),
): string {
  if (platform === "win32") {
    const local = env.LOCALAPPDATA || path.win32.join(home, "AppData", "Local");
    return kind === "data" ? path.win32.join(local, "her-faq") : path.win32.join(local, "her-faq", "Cache");
  }
  if (platform === "darwin")
    return path.posix.join(home, "Library", kind === "data" ? "Application Support" : "Caches", "her-faq");
  const [variable, fallback] =
    kind === "data" ? (["XDG_DATA_HOME", ".local/share"] as const) : (["XDG_CACHE_HOME", ".cache"] as const);
  // The XDG spec says a relative XDG_DATA_HOME or XDG_CACHE_HOME is invalid and must be ignored.
  const base = env[variable];
  return path.posix.join(
    base && path.posix.isAbsolute(base) ? base : path.posix.join(home, fallback),
    "her-faq",
  );
}
