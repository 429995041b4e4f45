#!/usr/bin/env node
// Runs the built CLI; `npm install` builds it (the prepare script), `npm run build` rebuilds it.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("her-faq: the CLI is not built yet. Run `npm run build` (npm install does it too).\n");
  process.exit(2);
}
// V8 keeps the compiled modules on disk (Node 22.1 and later), so every run after the first starts sooner.
const { enableCompileCache } = await import("node:module");
enableCompileCache?.();
await import(cli.href);
