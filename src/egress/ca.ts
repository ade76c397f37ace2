// The egress proxy's certificate authority for TLS interception. One per daemon run: an ECDSA P-256 key made at
// start, held only in memory (never written, never shown to a sandbox), and a self-signed CA certificate that is the
// only thing sandboxes get. Leaf certificates are minted per host on first use (one leaf key per authority) and cached.
// node:crypto signs; der.ts writes the structure; OpenSSL (through node's TLS) is what every client verifies it with.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { isIP } from "node:net";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import {
  bitString,
  boolean,
  type Der,
  explicit,
  implicit,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from "./der.js";

export interface CertificateAuthority {
  /** The CA certificate (public). */
  readonly certPem: string;
  /** A server TLS context presenting a certificate for `host` (a checked host name or canonical IP address). */
  contextFor(host: string): SecureContext;
  /** The certificate and key PEM for `host` (tests build their own upstream servers with this). */
  issue(host: string): { cert: string; key: string };
  /** What a sandboxed client should trust: the public roots Node ships, then this CA. */
  bundle(): string;
}

export interface CaOptions {
  /** Common name of the CA certificate. */
  readonly name?: string;
  readonly now?: () => Date;
  /** Leaf lifetime (default 30 days); a cached leaf is minted again when less than a day remains. */
  readonly leafDays?: number;
  /** Cached leaf contexts (default 1024, oldest dropped first). */
  readonly cacheSize?: number;
}

const DAY = 86_400_000;
const ECDSA_SHA256 = sequence(oid("1.2.840.10045.4.3.2"));

export function createCertificateAuthority(options: CaOptions = {}): CertificateAuthority {
  const now = options.now ?? (() => new Date());
  const leafDays = options.leafDays ?? 30;
  const cacheSize = options.cacheSize ?? 1024;
  const caKeys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const leafKeys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const caName = distinguishedName(options.name ?? "Warden egress CA (this daemon run only)");
  const caSpki = caKeys.publicKey.export({ type: "spki", format: "der" });
  const caKeyId = keyId(caSpki);
  const start = now();
  const caNotAfter = new Date(start.getTime() + 3650 * DAY);
  // Long-lived on purpose: the key dies with the daemon run, so validity does not widen exposure; it only keeps an
  // always-on daemon from outliving its own CA.
  const caCert = signCertificate(caKeys.privateKey, {
    issuer: caName,
    subject: caName,
    spki: caSpki,
    notBefore: new Date(start.getTime() - 3_600_000),
    notAfter: caNotAfter,
    extensions: [
      extension("2.5.29.19", true, sequence(boolean(true), smallInteger(0))), // basicConstraints: CA, pathLen 0
      extension("2.5.29.15", true, bitString(Buffer.from([0x06]), 1)), // keyUsage: keyCertSign, cRLSign
      extension("2.5.29.14", false, octetString(caKeyId)),
      extension("2.5.29.35", false, sequence(implicit(0, caKeyId))),
    ],
  });
  const certPem = pem("CERTIFICATE", caCert);
  const leafKeyPem = leafKeys.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const leafSpki = leafKeys.publicKey.export({ type: "spki", format: "der" });
  const cache = new Map<string, { context: SecureContext; cert: string; renewAt: number }>();

  const mint = (host: string) => {
    const t = now().getTime();
    const notAfter = Math.min(t + leafDays * DAY, caNotAfter.getTime());
    const ip = isIP(host);
    const san = ip === 0 ? implicit(2, Buffer.from(host, "ascii")) : implicit(7, ipBytes(host));
    const der = signCertificate(caKeys.privateKey, {
      issuer: caName,
      subject: distinguishedName(host),
      spki: leafSpki,
      notBefore: new Date(t - 3_600_000),
      notAfter: new Date(notAfter),
      extensions: [
        extension("2.5.29.19", true, sequence()), // basicConstraints: not a CA
        extension("2.5.29.15", true, bitString(Buffer.from([0x80]), 7)), // keyUsage: digitalSignature
        extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage: serverAuth
        extension("2.5.29.17", false, sequence(san)),
        extension("2.5.29.14", false, octetString(keyId(leafSpki))),
        extension("2.5.29.35", false, sequence(implicit(0, caKeyId))),
      ],
    });
    const cert = `${pem("CERTIFICATE", der)}${certPem}`;
    const entry = {
      cert,
      context: createSecureContext({ cert, key: leafKeyPem, minVersion: "TLSv1.2" }),
      renewAt: notAfter - DAY,
    };
    cache.delete(host);
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(host, entry);
    return entry;
  };
  const leaf = (host: string) => {
    const hit = cache.get(host);
    return hit !== undefined && now().getTime() < hit.renewAt ? hit : mint(host);
  };

  return {
    certPem,
    contextFor: (host) => leaf(host).context,
    issue: (host) => ({ cert: leaf(host).cert, key: leafKeyPem }),
    bundle: () => `${rootCertificates.join("\n")}\n${certPem}`,
  };
}

interface TbsFields {
  issuer: Der;
  subject: Der;
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  extensions: Der[];
}

function signCertificate(key: KeyObject, f: TbsFields): Buffer {
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(randomBytes(16)),
    ECDSA_SHA256,
    f.issuer,
    sequence(time(f.notBefore), time(f.notAfter)),
    f.subject,
    f.spki,
    explicit(3, sequence(...f.extensions)),
  );
  // node signs with ECDSA and returns the DER Ecdsa-Sig-Value X.509 expects.
  return sequence(tbs, ECDSA_SHA256, bitString(sign("sha256", tbs, key)));
}

function extension(id: string, critical: boolean, value: Der): Der {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** A Name with one common name (commonName may hold any host name up to 64 characters; longer ones are cut). */
function distinguishedName(cn: string): Der {
  return sequence(set(sequence(oid("2.5.4.3"), utf8String(cn.slice(0, 64)))));
}

/** Key identifier: the first 160 bits of SHA-256 over the public key info (RFC 7093, method 4 style). */
function keyId(spki: Buffer): Buffer {
  return createHash("sha256").update(spki).digest().subarray(0, 20);
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith("\n") ? "" : "\n"}-----END ${label}-----\n`;
}

/** 4 or 16 bytes of a canonical IPv4 or IPv6 address (as target.ts produces them). */
function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split(".").map(Number));
  const [head = "", tail] = ip.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const expand = (gs: string[]): string[] =>
    gs.flatMap((g) => {
      if (!g.includes(".")) return [g];
      const [a, b, c, d] = g.split(".").map(Number) as [number, number, number, number];
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const left = expand(groups(head));
  const right = tail === undefined ? [] : expand(groups(tail));
  const all = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  const out = Buffer.alloc(16);
  for (const [i, g] of all.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}
