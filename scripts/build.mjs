// Builds the two deployables with esbuild: the CLI (dist/cli.js, ESM) and the Lambda bundle
// (dist/lambda/index.js, CommonJS, every dependency inside, loadable by the Lambda Node.js runtime).
import { mkdirSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const common = { bundle: true, platform: "node", target: "node20", sourcemap: true, logLevel: "warning" };

await build({
  ...common,
  entryPoints: { cli: "local-runner/cli.ts" },
  // The commands load on demand (cli.ts), each from its own chunk beside dist/cli.js.
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  // WebAssembly packages find their .wasm beside their own script: left in node_modules, not bundled.
  external: ["@echogarden/*"],
  // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});

await build({
  ...common,
  entryPoints: ["skill/lambda.ts"],
  outfile: "dist/lambda/index.js",
  format: "cjs",
  minify: true,
  // Prefer packages' ES module builds, so unused parts (other languages' stopword lists) are left out.
  mainFields: ["module", "main"],
});
mkdirSync("dist/lambda", { recursive: true });
// The project is ESM; this marks the bundle's folder as CommonJS for Node and for Lambda.
writeFileSync("dist/lambda/package.json", `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);
console.log("built dist/cli.js and dist/lambda/index.js");
