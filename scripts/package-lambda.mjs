// Zips dist/lambda into dist/her-faq-lambda.zip, ready to upload as a Lambda function (handler: index.handler),
// and reports its size and how long the bundle takes to load in a fresh Node.js process (cold start's share).
import { spawnSync } from "node:child_process";
import { createWriteStream, statSync } from "node:fs";

import yazl from "yazl";

const zipPath = "dist/her-faq-lambda.zip";
const zip = new yazl.ZipFile();
// The source map stays out: it triples the size and Lambda only reads it with --enable-source-maps.
for (const file of ["index.js", "package.json"])
  zip.addFile(`dist/lambda/${file}`, file, { mtime: new Date("1980-01-01T00:00:00Z"), mode: 0o644 });
zip.end();
await new Promise((resolve, reject) =>
  zip.outputStream.pipe(createWriteStream(zipPath)).on("close", resolve).on("error", reject),
);

const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
console.log(
  `wrote ${zipPath}: ${kib(statSync(zipPath).size)} (bundle ${kib(statSync("dist/lambda/index.js").size)} unzipped)`,
);

const loadTimes = [];
for (let run = 0; run < 15; run++) {
  const child = spawnSync(
    process.execPath,
    [
      "-e",
      "const t=performance.now();require('./dist/lambda/index.js');process.stdout.write(String(performance.now()-t))",
    ],
    { encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(`the bundle does not load: ${child.stderr}`);
  loadTimes.push(Number(child.stdout));
}
loadTimes.sort((a, b) => a - b);
const median = loadTimes[Math.floor(loadTimes.length / 2)];
console.log(
  `module load (require of the bundle, fresh process): median ${median.toFixed(1)} ms over 15 runs`,
);
