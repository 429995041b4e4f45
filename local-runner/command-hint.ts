/**
 * How to write a her-faq command in a message so that it runs as printed: `her-faq chat` where the command
 * is on the user's PATH, `npx her-faq chat` otherwise (a project-local install, or a run through npx).
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join, sep } from "node:path";

let prefix: string | undefined;

/** Whether `her-faq` runs as a bare command in the user's own shell. */
function onUsersPath(env: NodeJS.ProcessEnv = process.env): boolean {
  // npx and npm scripts put the project's node_modules/.bin on PATH for this process only.
  if (env.npm_command === "exec" || env.npm_lifecycle_event) return false;
  const names = process.platform === "win32" ? ["her-faq.cmd", "her-faq.exe", "her-faq"] : ["her-faq"];
  for (const folder of (env.PATH ?? "").split(delimiter)) {
    if (folder === "" || folder.includes(`node_modules${sep}.bin`)) continue;
    for (const name of names) {
      try {
        accessSync(join(folder, name), constants.X_OK);
        return true;
      } catch {
        // not in this folder
      }
    }
  }
  return false;
}

/** A her-faq command as the user should type it, e.g. herFaq("chat") -> "npx her-faq chat". */
export function herFaq(args: string): string {
  prefix ??= onUsersPath() ? "her-faq" : "npx her-faq";
  return `${prefix} ${args}`;
}
