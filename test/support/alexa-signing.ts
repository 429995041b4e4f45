/**
 * A stand-in for Alexa's signing infrastructure, made fresh at test time: a root CA, an intermediate, and
 * signing certificates (good, expired, wrong name, untrusted), plus request signing as Alexa does it.
 * The server's verifier runs unchanged; only the certificate source and trusted roots are injected.
 */
import { generateKeyPairSync, sign, X509Certificate } from "node:crypto";
import forge from "node-forge";
import type { CertificateSource } from "../../skill/server/certificates.js";

export const CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem";

interface KeyPair {
  readonly privatePem: string;
  readonly publicPem: string;
}

interface Issued {
  readonly pem: string;
  readonly keys: KeyPair;
}

function keyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

let serial = 1;

function issue(options: {
  readonly commonName: string;
  readonly ca: boolean;
  readonly issuer?: Issued;
  readonly dnsNames?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}): Issued {
  const keys = keyPair();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  certificate.serialNumber = (serial++).toString(16).padStart(2, "0");
  certificate.validity.notBefore = options.notBefore ?? new Date(Date.now() - 24 * 3600_000);
  certificate.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 24 * 3600_000);
  const subject = [{ name: "commonName", value: options.commonName }];
  certificate.setSubject(subject);
  const issuerCert = options.issuer ? forge.pki.certificateFromPem(options.issuer.pem) : undefined;
  certificate.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  const extensions: object[] = [
    { name: "basicConstraints", cA: options.ca, critical: true },
    options.ca
      ? { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true }
      : { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
  ];
  if (options.dnsNames) {
    extensions.push({
      name: "subjectAltName",
      altNames: options.dnsNames.map((value) => ({ type: 2, value })),
    });
  }
  certificate.setExtensions(extensions);
  const signer = options.issuer?.keys ?? keys;
  certificate.sign(forge.pki.privateKeyFromPem(signer.privatePem), forge.md.sha256.create());
  return { pem: forge.pki.certificateToPem(certificate), keys };
}

export interface TestAlexa {
  /** The root the server is told to trust. */
  readonly trustedRoots: X509Certificate[];
  /** Chains by name: signing certificate first, then the intermediate. */
  readonly chains: {
    readonly good: string;
    readonly expired: string;
    readonly wrongName: string;
    readonly untrusted: string;
  };
  /** Keys of the good signing certificate, and an unrelated one. */
  readonly signingKey: string;
  readonly otherKey: string;
  /** A certificate source serving `chain` at every URL, counting downloads. */
  source(chain: string): CertificateSource & { readonly downloads: () => number };
}

export function createTestAlexa(): TestAlexa {
  const root = issue({ commonName: "her-faq Test Root CA", ca: true });
  const intermediate = issue({ commonName: "her-faq Test Intermediate CA", ca: true, issuer: root });
  const good = issue({
    commonName: "echo-api.amazon.com",
    ca: false,
    issuer: intermediate,
    dnsNames: ["echo-api.amazon.com"],
  });
  const expired = issue({
    commonName: "echo-api.amazon.com",
    ca: false,
    issuer: intermediate,
    dnsNames: ["echo-api.amazon.com"],
    notBefore: new Date(Date.now() - 30 * 24 * 3600_000),
    notAfter: new Date(Date.now() - 24 * 3600_000),
  });
  const wrongName = issue({
    commonName: "evil.example.com",
    ca: false,
    issuer: intermediate,
    dnsNames: ["evil.example.com"],
  });
  const otherRoot = issue({ commonName: "Somebody Else's Root", ca: true });
  const untrusted = issue({
    commonName: "echo-api.amazon.com",
    ca: false,
    issuer: otherRoot,
    dnsNames: ["echo-api.amazon.com"],
  });
  return {
    trustedRoots: [new X509Certificate(root.pem)],
    chains: {
      good: good.pem + intermediate.pem,
      expired: expired.pem + intermediate.pem,
      wrongName: wrongName.pem + intermediate.pem,
      untrusted: untrusted.pem + otherRoot.pem,
    },
    signingKey: good.keys.privatePem,
    otherKey: keyPair().privatePem,
    source(chain) {
      let downloads = 0;
      const fetchChain = async () => {
        downloads++;
        return chain;
      };
      return Object.assign(fetchChain, { downloads: () => downloads });
    },
  };
}

/** The Signature-256 header Alexa sends: base64 RSA-SHA256 over the exact body bytes. */
export function signBody(body: string, privateKeyPem: string): string {
  return sign("sha256", Buffer.from(body, "utf8"), privateKeyPem).toString("base64");
}

/** Headers for a body signed as Alexa signs it. */
export function alexaHeaders(
  body: string,
  privateKeyPem: string,
  chainUrl = CHAIN_URL,
): Record<string, string> {
  return {
    "content-type": "application/json",
    signaturecertchainurl: chainUrl,
    "signature-256": signBody(body, privateKeyPem),
  };
}
