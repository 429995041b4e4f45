/** The built CLI, run as a user runs it, for the tests that drive it from outside. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../paths.js";

export const cli = join(repoRoot, "bin", "her-faq.js");

/** Runs `her-faq args...` with `input` on stdin; resolves with its output and exit code instead of throwing. */
export function herFaq(
  args: string[],
  input?: string,
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: repoRoot });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout, stderr, code: code ?? -1 }));
    child.stdin.end(input ?? "");
  });
}
