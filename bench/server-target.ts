/**
 * The server under test for `npm run bench:server`, in its own process so the load generator does not share
 * its event loop. Usage: server-target.ts off | on CHAIN.pem ROOT.pem (on: signatures checked against a
 * benchmark CA whose chain is served from memory, i.e. the cached-certificate path).
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { LOCAL_APPLICATION_ID } from "../local-runner/envelope.js";
import { createLogger } from "../skill/logger.js";
import { startServer } from "../skill/server/serve.js";
import { buildSkill } from "../skill/skill.js";

const [mode, chainFile, rootFile] = process.argv.slice(2);
const logger = createLogger("silent");
const verify = mode === "on";
const chain = verify && chainFile ? readFileSync(chainFile, "utf8") : "";
const running = await startServer({
  skill: buildSkill({ logger, skillId: LOCAL_APPLICATION_ID }),
  logger,
  port: 0,
  host: "127.0.0.1",
  verify,
  skillId: LOCAL_APPLICATION_ID,
  signature:
    verify && rootFile
      ? { source: async () => chain, trustedRoots: [new X509Certificate(readFileSync(rootFile))] }
      : undefined,
});
process.stdout.write(`${running.url}\n`);
process.once("SIGTERM", () => void running.close().then(() => process.exit(0)));
