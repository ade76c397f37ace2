import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { connect } from "node:tls";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { createCertificateAuthority } from "./ca.js";

describe("egress certificate authority", () => {
  const ca = createCertificateAuthority();
  const caCert = new X509Certificate(ca.certPem);

  it("is a CA certificate signed by its own key", () => {
    expect(caCert.ca).toBe(true);
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(caCert.checkIssued(caCert)).toBe(true);
  });

  it("mints leaves for host names and addresses that verify against the CA and only for their name", () => {
    const leaf = new X509Certificate(ca.issue("api.example.com").cert);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.checkHost("api.example.com")).toBe("api.example.com");
    expect(leaf.checkHost("evil.example.com")).toBeUndefined();
    expect(leaf.subjectAltName).toBe("DNS:api.example.com");
    expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    const v6 = new X509Certificate(ca.issue("2001:db8::1").cert);
    expect(v6.checkIP("2001:db8::1")).toBe("2001:db8::1");
    expect(v6.checkIP("2001:db8::2")).toBeUndefined();
    const v4mixed = new X509Certificate(ca.issue("::ffff:1.2.3.4").cert);
    expect(v4mixed.checkIP("::ffff:1.2.3.4")).toBe("::ffff:1.2.3.4");
    expect(new X509Certificate(ca.issue("203.0.113.7").cert).checkIP("203.0.113.7")).toBe("203.0.113.7");
  });

  it("names a long host in full in the SAN (the common name is cut at its 64-character limit)", () => {
    const host = `${"a".repeat(60)}.${"b".repeat(60)}.example.com`;
    const leaf = new X509Certificate(ca.issue(host).cert);
    expect(leaf.checkHost(host)).toBe(host);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
  });

  it("caches a leaf per host and mints again when it nears its end", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const short = createCertificateAuthority({ now: () => new Date(now), leafDays: 2 });
    const first = short.issue("a.example.com").cert;
    expect(short.issue("a.example.com").cert).toBe(first);
    expect(short.contextFor("a.example.com")).toBe(short.contextFor("a.example.com"));
    now += 1.5 * 86_400_000; // less than a day left
    const renewed = short.issue("a.example.com").cert;
    expect(renewed).not.toBe(first);
    const validTo = new Date(new X509Certificate(renewed).validTo);
    expect(validTo.getTime()).toBeGreaterThan(now + 86_400_000);
  });

  it("passes OpenSSL's strict chain verification", async (ctx) => {
    if (!existsSync("/usr/bin/openssl")) {
      console.log("skipped: /usr/bin/openssl is not installed");
      return ctx.skip();
    }
    await using dir = await tempDir("warden-ca-");
    writeFileSync(`${dir.path}/ca.pem`, ca.certPem);
    writeFileSync(`${dir.path}/leaf.pem`, ca.issue("files.example.org").cert);
    const out = execFileSync(
      "/usr/bin/openssl",
      [
        "verify",
        "-x509_strict",
        "-purpose",
        "sslserver",
        "-verify_hostname",
        "files.example.org",
        "-CAfile",
        `${dir.path}/ca.pem`,
        `${dir.path}/leaf.pem`,
      ],
      { encoding: "utf8" },
    );
    expect(out).toContain(": OK");
  });

  it("serves TLS that a client trusting only this CA accepts for the right name and refuses for another", async () => {
    const server = createServer({ SNICallback: (name, cb) => cb(null, ca.contextFor(name)) }, (_q, s) => s.end("hi"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const handshake = (servername: string, checkAs: string) =>
      new Promise<string>((resolve) => {
        const s = connect({
          host: "127.0.0.1",
          port,
          servername,
          ca: ca.certPem,
          checkServerIdentity: (_h, cert) =>
            new X509Certificate(cert.raw).checkHost(checkAs) ? undefined : new Error("wrong host"),
        });
        s.once("secureConnect", () => {
          s.destroy();
          resolve("ok");
        });
        s.once("error", (e) => resolve(e.message));
      });
    expect(await handshake("api.example.com", "api.example.com")).toBe("ok");
    expect(await handshake("api.example.com", "other.example.com")).toBe("wrong host");
    await new Promise((r) => server.close(r));
  });

  it("offers the public roots and the CA to sandboxed clients", () => {
    const bundle = ca.bundle();
    expect(bundle.endsWith(ca.certPem)).toBe(true);
    expect(bundle.match(/BEGIN CERTIFICATE/g)?.length ?? 0).toBeGreaterThan(100);
    expect(bundle).not.toContain("PRIVATE KEY");
  });
});
