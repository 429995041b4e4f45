/**
 * The skill as an HTTPS web service (behind a TLS terminator): POST / takes Alexa requests, GET /healthz
 * answers health checks. Every request from Alexa is verified (signature and timestamp) unless turned off
 * for local testing, the skill id is enforced either way, and every bad request gets a 4xx with a reason.
 */
import type { Skill } from "ask-sdk-core";
import type { Verifier } from "ask-sdk-express-adapter";
import type { RequestEnvelope } from "ask-sdk-model";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "../logger.js";
import { applicationIdOf, envelopeProblem } from "./envelope-check.js";

export interface AppOptions {
  readonly skill: Skill;
  /** Signature and timestamp verifiers, run in order on the raw body; none when verification is off. */
  readonly verifiers: readonly Verifier[];
  /** Requests for any other skill are refused with 403. */
  readonly skillId?: string;
  readonly logger: Logger;
  /** Largest accepted body; Alexa's requests are a few kilobytes. */
  readonly bodyLimit?: string;
}

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the request log line says about the request, filled in as the request is handled. */
interface RequestFacts {
  type?: string;
  intent?: string;
}

export function createApp(options: AppOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.use((request: Request, response: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    response.locals.facts = {} satisfies RequestFacts;
    response.on("finish", () => {
      const facts = response.locals.facts as RequestFacts;
      options.logger.info(
        {
          method: request.method,
          path: request.path,
          status: response.statusCode,
          type: facts.type,
          intent: facts.intent,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        "request",
      );
    });
    next();
  });

  app.get("/healthz", (_request, response) => {
    response.json({ status: "ok" });
  });

  app.post(
    "/",
    // The signature covers the exact bytes sent, so the body is kept as text, whatever its content type.
    express.text({ type: () => true, limit: options.bodyLimit ?? "128kb" }),
    async (request: Request, response: Response) => {
      const body = typeof request.body === "string" ? request.body : "";
      const envelope = await checkedEnvelope(body, request, options);
      const facts = response.locals.facts as RequestFacts;
      facts.type = envelope.request.type;
      facts.intent = envelope.request.type === "IntentRequest" ? envelope.request.intent.name : undefined;
      response.json(await options.skill.invoke(envelope));
    },
  );

  app.all("/", (_request, response) => {
    response.status(405).set("Allow", "POST").json({ error: "use POST for skill requests" });
  });
  app.use((_request, response) => {
    response.status(404).json({ error: "not found: POST / for skill requests, GET /healthz for health" });
  });
  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const { status, message } = describeError(error);
    if (status >= 500) options.logger.error({ err: error }, "request failed");
    response.status(status).json({ error: message });
  });
  return app;
}

async function checkedEnvelope(
  body: string,
  request: Request,
  options: AppOptions,
): Promise<RequestEnvelope> {
  if (body.trim() === "") throw new BadRequest(400, "the body is empty");
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequest(400, "the body is not JSON");
  }
  const problem = envelopeProblem(parsed);
  if (problem) throw new BadRequest(400, `not an Alexa request envelope: ${problem}`);
  const envelope = parsed as RequestEnvelope;
  if (options.skillId && applicationIdOf(envelope) !== options.skillId) {
    throw new BadRequest(403, "the request is for another skill");
  }
  for (const verifier of options.verifiers) {
    try {
      await verifier.verify(body, request.headers);
    } catch (error) {
      throw new BadRequest(400, `verification failed: ${(error as Error).message}`);
    }
  }
  return envelope;
}

function describeError(error: unknown): { status: number; message: string } {
  if (error instanceof BadRequest) return { status: error.status, message: error.message };
  // body-parser's errors carry the status they mean: 413 too large, 400 bad encoding, 415 unknown charset.
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const message = status === 413 ? "the body is too large" : (error as Error).message;
    return { status, message };
  }
  return { status: 500, message: "the skill failed to answer" };
}
