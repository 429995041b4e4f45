/** `her-faq serve`: the skill as a web service for Alexa, verified by default, stopped cleanly on SIGTERM. */
import { createLogger } from "../../skill/logger.js";
import { startServer } from "../../skill/server/serve.js";
import { buildSkill } from "../../skill/skill.js";
import { UserError } from "../user-error.js";

export interface ServeCommandOptions {
  readonly port: number;
  readonly host: string;
  readonly skillId?: string;
  /** commander's --no-verify sets this false. */
  readonly verify: boolean;
}

export async function serve(options: ServeCommandOptions): Promise<void> {
  const skillId = options.skillId ?? process.env.ALEXA_SKILL_ID ?? undefined;
  if (options.verify && !skillId) {
    throw new UserError(
      "serving Alexa needs the skill id, so requests for other skills are refused: pass --skill-id " +
        "amzn1.ask.skill.… or set ALEXA_SKILL_ID (or add --no-verify to test locally without Alexa)",
    );
  }
  const logger = createLogger(process.env.LOG_LEVEL ?? "info");
  if (!options.verify) {
    process.stderr.write(
      "\n  WARNING: request verification is OFF (--no-verify).\n" +
        "  Anyone who can reach this port can send requests as Alexa. Use this only for local testing.\n\n",
    );
  }
  const running = await startServer({
    skill: buildSkill({ logger, skillId }),
    logger,
    port: options.port,
    host: options.host,
    verify: options.verify,
    skillId,
  }).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(
      `cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`,
      1,
    );
  });
  logger.info({ url: running.url, verify: options.verify, skillId: skillId ?? null }, "listening");
  process.stdout.write(`her-faq is listening on ${running.url} (POST / for Alexa, GET /healthz)\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, "shutting down: finishing in-flight requests");
      const force = setTimeout(() => {
        logger.warn("in-flight requests did not finish within 10 s; closing them");
        running.server.closeAllConnections();
      }, 10_000);
      force.unref();
      running.close().finally(() => {
        logger.info("stopped");
        resolve();
      });
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
