/** Starts the skill's web service and stops it gracefully: in-flight requests finish, idle sockets close. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Skill } from "ask-sdk-core";
import { TimestampVerifier, type Verifier } from "ask-sdk-express-adapter";
import type { Logger } from "../logger.js";
import { createApp } from "./app.js";
import { AlexaSignatureVerifier, type SignatureVerifierOptions } from "./signature.js";

export interface ServeOptions {
  readonly skill: Skill;
  readonly logger: Logger;
  readonly port: number;
  readonly host: string;
  /** Signature and timestamp checks; off only for local testing. */
  readonly verify: boolean;
  readonly skillId?: string;
  /** Where certificates come from and which roots are trusted (tests and benchmarks inject their own CA). */
  readonly signature?: SignatureVerifierOptions;
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

/** Alexa's limit on request age: 150 seconds either side of now. */
const TIMESTAMP_TOLERANCE_MS = 150_000;

export function verifiersFor(options: Pick<ServeOptions, "verify" | "signature">): Verifier[] {
  if (!options.verify) return [];
  return [new AlexaSignatureVerifier(options.signature), new TimestampVerifier(TIMESTAMP_TOLERANCE_MS)];
}

export function startServer(options: ServeOptions): Promise<RunningServer> {
  const app = createApp({
    skill: options.skill,
    logger: options.logger,
    skillId: options.skillId,
    verifiers: verifiersFor(options),
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, options.host);
    server.once("error", reject);
    server.once("listening", () => {
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(":") ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}`,
        server,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          }),
      });
    });
  });
}
