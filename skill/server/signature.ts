/**
 * Checks that a request really comes from Alexa: the SignatureCertChainUrl is one of Amazon's, its chain is
 * valid, and the Signature-256 header is the signing key's RSA-SHA256 signature of the exact body bytes.
 * Chains are cached until their first certificate expires; concurrent requests share one download.
 */
import { verify as verifySignature, type X509Certificate } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Verifier } from "ask-sdk-express-adapter";
import {
  type CertificateSource,
  downloadCertificates,
  parseChain,
  systemTrustedRoots,
  validateChain,
} from "./certificates.js";

export class VerificationError extends Error {
  override readonly name = "VerificationError";
}

export interface SignatureVerifierOptions {
  readonly source?: CertificateSource;
  /** Roots a chain must lead to; Node's bundled CA store by default. */
  readonly trustedRoots?: readonly X509Certificate[];
  readonly now?: () => Date;
}

interface CachedChain {
  readonly signing: X509Certificate;
  readonly expires: Date;
}

export class AlexaSignatureVerifier implements Verifier {
  private readonly source: CertificateSource;
  private readonly trustedRoots: () => readonly X509Certificate[];
  private readonly now: () => Date;
  private readonly cache = new Map<string, CachedChain>();
  private readonly pending = new Map<string, Promise<CachedChain>>();

  constructor(options: SignatureVerifierOptions = {}) {
    this.source = options.source ?? downloadCertificates();
    this.trustedRoots = options.trustedRoots ? () => options.trustedRoots ?? [] : systemTrustedRoots;
    this.now = options.now ?? (() => new Date());
  }

  async verify(body: string, headers: IncomingHttpHeaders = {}): Promise<void> {
    const chainUrl = header(headers, "signaturecertchainurl");
    const signature = header(headers, "signature-256");
    if (!chainUrl) throw new VerificationError("missing SignatureCertChainUrl header");
    if (!signature) throw new VerificationError("missing Signature-256 header");
    const url = checkCertificateUrl(chainUrl);
    const { signing } = await this.chainFor(url);
    const valid = verifySignature(
      "sha256",
      Buffer.from(body, "utf8"),
      signing.publicKey,
      Buffer.from(signature, "base64"),
    );
    if (!valid) throw new VerificationError("the signature does not match the request body");
  }

  private async chainFor(url: string): Promise<CachedChain> {
    const cached = this.cache.get(url);
    if (cached && this.now() < cached.expires) return cached;
    this.cache.delete(url);
    let loading = this.pending.get(url);
    if (!loading) {
      loading = this.load(url).finally(() => this.pending.delete(url));
      this.pending.set(url, loading);
    }
    return loading;
  }

  private async load(url: string): Promise<CachedChain> {
    const chain = parseChain(await this.source(url));
    const expires = validateChain(chain, this.trustedRoots(), this.now());
    const entry = { signing: chain[0] as X509Certificate, expires };
    this.cache.set(url, entry);
    return entry;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Amazon's rules for the chain URL, after normalising the path: https, host s3.amazonaws.com (any case),
 * port 443 if given, path under /echo.api/ (case-sensitive). Returns the normalised URL.
 */
export function checkCertificateUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new VerificationError("SignatureCertChainUrl is not a URL");
  }
  if (url.protocol !== "https:")
    throw new VerificationError(`SignatureCertChainUrl must use https, not ${url.protocol}`);
  if (url.hostname !== "s3.amazonaws.com") {
    throw new VerificationError(`SignatureCertChainUrl host must be s3.amazonaws.com, not ${url.hostname}`);
  }
  if (url.port !== "" && url.port !== "443")
    throw new VerificationError(`SignatureCertChainUrl port must be 443, not ${url.port}`);
  if (!url.pathname.startsWith("/echo.api/")) {
    throw new VerificationError(`SignatureCertChainUrl path must start with /echo.api/, not ${url.pathname}`);
  }
  return url.href;
}
