import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_APPLICATION_ID } from "../local-runner/envelope.js";
import { createLogger } from "../skill/logger.js";
import { downloadCertificates } from "../skill/server/certificates.js";
import { type RunningServer, startServer } from "../skill/server/serve.js";
import { AlexaSignatureVerifier, checkCertificateUrl } from "../skill/server/signature.js";
import { envelope, intentEnvelope, quietSkill } from "./helpers.js";
import { repoRoot } from "./paths.js";
import { alexaHeaders, CHAIN_URL, createTestAlexa, signBody } from "./support/alexa-signing.js";

const alexa = createTestAlexa();
const verifierFor = (chain: string, now?: () => Date) =>
  new AlexaSignatureVerifier({ source: alexa.source(chain), trustedRoots: alexa.trustedRoots, now });
const body = JSON.stringify(intentEnvelope("RuntimeIntent"));

describe("Alexa request signature verification", () => {
  it("accepts a body signed with the Echo API certificate", async () => {
    await expect(
      verifierFor(alexa.chains.good).verify(body, alexaHeaders(body, alexa.signingKey)),
    ).resolves.toBeUndefined();
  });

  it.each([
    [
      "a tampered body",
      () => [`${body} `, alexaHeaders(body, alexa.signingKey)] as const,
      alexa.chains.good,
      /does not match/,
    ],
    [
      "the wrong key",
      () => [body, alexaHeaders(body, alexa.otherKey)] as const,
      alexa.chains.good,
      /does not match/,
    ],
    [
      "an expired certificate",
      () => [body, alexaHeaders(body, alexa.signingKey)] as const,
      alexa.chains.expired,
      /expired or not yet valid/,
    ],
    [
      "a certificate for another name",
      () => [body, alexaHeaders(body, alexa.signingKey)] as const,
      alexa.chains.wrongName,
      /not for echo-api\.amazon\.com/,
    ],
    [
      "a chain to an untrusted root",
      () => [body, alexaHeaders(body, alexa.signingKey)] as const,
      alexa.chains.untrusted,
      /trusted root/,
    ],
    [
      "no signature",
      () => [body, { signaturecertchainurl: CHAIN_URL }] as const,
      alexa.chains.good,
      /missing Signature-256/,
    ],
    [
      "no certificate URL",
      () => [body, { "signature-256": signBody(body, alexa.signingKey) }] as const,
      alexa.chains.good,
      /missing SignatureCertChainUrl/,
    ],
  ])("rejects %s", async (_, request, chain, reason) => {
    const [requestBody, headers] = request();
    await expect(verifierFor(chain).verify(requestBody, headers)).rejects.toThrow(reason);
  });

  it.each([
    ["http://s3.amazonaws.com/echo.api/echo-api-cert.pem", /must use https/],
    ["https://notamazon.com/echo.api/echo-api-cert.pem", /host must be s3\.amazonaws\.com/],
    ["https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", /path must start with \/echo\.api\//],
    ["https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", /path must start with/],
    ["https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", /port must be 443/],
    ["not a url", /not a URL/],
  ])("refuses the certificate URL %s", (url, reason) => {
    expect(() => checkCertificateUrl(url)).toThrow(reason);
  });

  it.each([
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "HTTPS://s3.AmazonAWS.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
  ])("accepts the certificate URL %s, normalised", (url) => {
    expect(checkCertificateUrl(url)).toBe("https://s3.amazonaws.com/echo.api/echo-api-cert.pem");
  });

  it("downloads a chain once and reuses it until it expires", async () => {
    let now = new Date();
    const source = alexa.source(alexa.chains.good);
    const verifier = new AlexaSignatureVerifier({ source, trustedRoots: alexa.trustedRoots, now: () => now });
    const headers = alexaHeaders(body, alexa.signingKey);
    await Promise.all([
      verifier.verify(body, headers),
      verifier.verify(body, headers),
      verifier.verify(body, headers),
    ]);
    await verifier.verify(body, headers);
    expect(source.downloads()).toBe(1);
    now = new Date(Date.now() + 2 * 365 * 24 * 3600_000);
    await expect(verifier.verify(body, headers)).rejects.toThrow(/expired/);
    expect(source.downloads()).toBe(2);
  });

  it("gives up on a certificate host that does not answer", async () => {
    const silent = createServer(() => {
      // Never answers: a slow or hostile certificate host.
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    await expect(
      downloadCertificates({ timeoutMs: 300 })(`http://127.0.0.1:${port}/echo.api/cert.pem`),
    ).rejects.toThrow(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
    silent.closeAllConnections();
    silent.close();
  });
});

describe("the skill's web service", () => {
  let verified: RunningServer;
  let unverified: RunningServer;
  const post = (server: RunningServer, requestBody: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/`, {
      method: "POST",
      body: requestBody,
      headers: { "content-type": "application/json", ...headers },
    });

  beforeAll(async () => {
    const common = {
      skill: quietSkill(),
      logger: createLogger("silent"),
      port: 0,
      host: "127.0.0.1",
      skillId: LOCAL_APPLICATION_ID,
    };
    verified = await startServer({
      ...common,
      verify: true,
      signature: { source: alexa.source(alexa.chains.good), trustedRoots: alexa.trustedRoots },
    });
    unverified = await startServer({ ...common, verify: false });
  });
  afterAll(async () => {
    await verified.close();
    await unverified.close();
  });

  it("answers health checks", async () => {
    const response = await fetch(`${verified.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers a signed, fresh request from Alexa", async () => {
    const response = await post(verified, body, alexaHeaders(body, alexa.signingKey));
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain("126 minutes");
  });

  const stale = (() => {
    const old = intentEnvelope("RuntimeIntent");
    old.request.timestamp = new Date(Date.now() - 10 * 60_000).toISOString();
    return JSON.stringify(old);
  })();
  const otherSkill = (() => {
    const foreign = intentEnvelope("RuntimeIntent");
    if (foreign.context.System.application)
      foreign.context.System.application.applicationId = "amzn1.ask.skill.other";
    return JSON.stringify(foreign);
  })();

  /** A bad request: what is sent, and the status and reason it must get. */
  interface BadRequestCase {
    readonly body: string;
    readonly headers: Record<string, string>;
    readonly status: number;
    readonly reason: RegExp;
  }
  const signed = (requestBody: string, key = alexa.signingKey, url?: string) =>
    alexaHeaders(requestBody, key, url);
  const badRequests: Record<string, () => BadRequestCase> = {
    "no signature": () => ({ body, headers: {}, status: 400, reason: /missing SignatureCertChainUrl/ }),
    "a forged signature": () => ({
      body,
      headers: signed(body, alexa.otherKey),
      status: 400,
      reason: /signature does not match/,
    }),
    "a tampered body": () => ({
      body: body.replace("RuntimeIntent", "CastIntent"),
      headers: signed(body),
      status: 400,
      reason: /signature does not match/,
    }),
    "a foreign certificate URL": () => ({
      body,
      headers: signed(body, alexa.signingKey, "https://evil.example.com/echo.api/c.pem"),
      status: 400,
      reason: /host must be s3/,
    }),
    "a replayed old request": () => ({
      body: stale,
      headers: signed(stale),
      status: 400,
      reason: /verification failed: .*timestamp/i,
    }),
    "a body that is not JSON": () => ({
      body: "{oops",
      headers: {},
      status: 400,
      reason: /the body is not JSON/,
    }),
    "JSON that is not a request envelope": () => ({
      body: '{"version":"1.0"}',
      headers: {},
      status: 400,
      reason: /not an Alexa request envelope: request is missing/,
    }),
    "an empty body": () => ({ body: "", headers: {}, status: 400, reason: /the body is empty/ }),
    "a request for another skill": () => ({
      body: otherSkill,
      headers: signed(otherSkill),
      status: 403,
      reason: /another skill/,
    }),
    "a body over the size limit": () => ({
      body: `{"pad":"${"x".repeat(200_000)}"}`,
      headers: {},
      status: 413,
      reason: /too large/,
    }),
  };

  it.each(Object.keys(badRequests))("refuses %s with a 4xx and a reason, and keeps serving", async (name) => {
    const bad = (badRequests[name] as () => BadRequestCase)();
    const response = await post(verified, bad.body, bad.headers);
    expect(response.status).toBe(bad.status);
    expect((await response.json()).error).toMatch(bad.reason);
    const next = await post(verified, body, signed(body));
    expect(next.status).toBe(200);
  });

  it("enforces the skill id with verification off too", async () => {
    expect((await post(unverified, otherSkill)).status).toBe(403);
    const ok = await post(unverified, JSON.stringify(envelope({ kind: "launch" })));
    expect(ok.status).toBe(200);
  });

  it("answers other methods and paths with 405 and 404", async () => {
    expect((await fetch(`${verified.url}/`)).status).toBe(405);
    expect((await fetch(`${verified.url}/nope`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});

describe("her-faq serve", () => {
  it("refuses to serve Alexa without a skill id", async () => {
    const child = spawn(process.execPath, [join(repoRoot, "bin", "her-faq.js"), "serve"], {
      env: { ...process.env, ALEXA_SKILL_ID: "" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/needs the skill id.*--skill-id/);
  });

  it("warns when verification is off, serves, and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, "bin", "her-faq.js"), "serve", "--no-verify", "--port", "0"],
      {
        env: { ...process.env, ALEXA_SKILL_ID: "" },
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const lines = createInterface({ input: child.stdout });
    const url = await new Promise<string>((resolve) => {
      lines.on("line", (line) => {
        const match = /listening on (http:\/\/\S+)/.exec(line);
        if (match?.[1]) resolve(match[1]);
      });
    });
    const response = await fetch(`${url}/`, {
      method: "POST",
      body: JSON.stringify(envelope({ kind: "launch" })),
    });
    expect(response.status).toBe(200);
    child.kill("SIGTERM");
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(stderr).toMatch(/WARNING: request verification is OFF/);
    expect(stderr).toMatch(/"status":200.*"type":"LaunchRequest"/);
    expect(stderr).toMatch(/shutting down/);
  });
});
