/**
 * Alexa's signing certificates: the download (with a timeout and a size cap, which the SDK adapter lacks),
 * PEM chain parsing, and the checks Amazon requires of the chain: in date, the Echo API name in the
 * signing certificate's SAN, and a chain of signatures up to a trusted root.
 */
import { X509Certificate } from "node:crypto";
import { rootCertificates } from "node:tls";

/** Where certificate chains come from: the network in production, a fixture in tests. */
export type CertificateSource = (url: string) => Promise<string>;

export const ECHO_API_DOMAIN = "echo-api.amazon.com";

export class CertificateError extends Error {
  override readonly name = "CertificateError";
}

export interface DownloadOptions {
  /** Give up after this long: Alexa waits 8 s for the whole answer. */
  readonly timeoutMs?: number;
  /** A certificate chain is a few kilobytes; anything much larger is not one. */
  readonly maxBytes?: number;
}

/** Downloads a certificate chain over HTTP(S) with a timeout. The caller has already checked the URL. */
export function downloadCertificates(options: DownloadOptions = {}): CertificateSource {
  const { timeoutMs = 2_000, maxBytes = 64 * 1024 } = options;
  return async (url) => {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
    } catch (error) {
      const timedOut = (error as Error).name === "TimeoutError";
      throw new CertificateError(
        timedOut
          ? `certificate download timed out after ${timeoutMs} ms`
          : `certificate download failed: ${(error as Error).message}`,
      );
    }
    if (!response.ok) throw new CertificateError(`certificate download answered HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > maxBytes)
      throw new CertificateError(`certificate chain is larger than ${maxBytes} bytes`);
    return text;
  };
}

/** Every PEM certificate in a chain file, signing certificate first. */
export function parseChain(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new CertificateError("the certificate chain holds no PEM certificate");
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch (error) {
    throw new CertificateError(`the certificate chain does not parse: ${(error as Error).message}`);
  }
}

let systemRoots: X509Certificate[] | undefined;

/** Node's bundled root CAs (Mozilla's store), parsed once. */
export function systemTrustedRoots(): X509Certificate[] {
  systemRoots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return systemRoots;
}

/**
 * Checks a chain as Amazon requires; returns the time it stops being valid (the earliest expiry in it).
 * Throws a CertificateError naming what is wrong.
 */
export function validateChain(
  chain: readonly X509Certificate[],
  trustedRoots: readonly X509Certificate[],
  now: Date,
): Date {
  const [signing] = chain;
  if (!signing) throw new CertificateError("the certificate chain is empty");
  for (const certificate of chain) {
    if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
      throw new CertificateError(
        `certificate "${certificate.subject.replace(/\n/g, ", ")}" is expired or not yet valid`,
      );
    }
  }
  const names = (signing.subjectAltName ?? "").split(/,\s*/);
  if (!names.includes(`DNS:${ECHO_API_DOMAIN}`)) {
    throw new CertificateError(`the signing certificate is not for ${ECHO_API_DOMAIN}`);
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i] as X509Certificate;
    const issuer = chain[i + 1] as X509Certificate;
    if (!issuer.ca || !child.checkIssued(issuer) || !child.verify(issuer.publicKey)) {
      throw new CertificateError(
        "the certificate chain is broken: a certificate is not signed by the next one",
      );
    }
  }
  const top = chain[chain.length - 1] as X509Certificate;
  const anchored = trustedRoots.some(
    (root) =>
      root.fingerprint256 === top.fingerprint256 ||
      (root.ca && top.checkIssued(root) && top.verify(root.publicKey) && now <= new Date(root.validTo)),
  );
  if (!anchored) throw new CertificateError("the certificate chain does not lead to a trusted root");
  return new Date(Math.min(...chain.map((certificate) => new Date(certificate.validTo).getTime())));
}
