// HTTPS from inside a real bubblewrap sandbox through the egress proxy's unix socket, intercepted: curl in the
// sandbox trusts only the CA bundle the sandbox mounts (SSL_CERT_FILE / CURL_CA_BUNDLE), the proxy sees each request
// whole, injects a bound secret, blocks an unbound one, and refuses an upstream whose certificate names another host.
import { existsSync, writeFileSync } from "node:fs";
import { chmod, chown, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { BwrapSandbox, DEFAULT_PROFILE, profileLimits } from "../sandbox/index.js";
import { createCertificateAuthority } from "./ca.js";
import { type EgressProxy, startEgressProxy } from "./proxy.js";
import { type TestEgress, testEgress } from "./setup.fake.js";
import { recordingUpstream, selfSignedCert, type Upstream } from "./upstream.fake.js";

const KEY = "sandbox-api-key-4f8e2a61c9d3b7";
const OTHER = "unbound-value-9c1e7b3d5f2a64";
const hasBwrap = existsSync("/usr/bin/bwrap");
const hasCurl = existsSync("/usr/bin/curl");

describe.skipIf(!hasBwrap || !hasCurl)("curl in a bwrap sandbox, HTTPS intercepted by the egress proxy", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  let api: Upstream;
  let impostor: Upstream;
  let t: TestEgress;
  let proxy: EgressProxy;
  let caBundle: string;
  const sandbox = new BwrapSandbox({ defaultLimits: { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 30_000 } });

  beforeAll(async () => {
    dir = await tempDir("warden-intercept-bwrap-");
    await chmod(dir.path, 0o711);
    ws = join(dir.path, "ws");
    await mkdir(ws);
    if (process.getuid?.() === 0) await chown(ws, 65534, 65534);
    const apiCert = selfSignedCert(dir.path, "api.test");
    const otherCert = selfSignedCert(dir.path, "other.test");
    api = await recordingUpstream(apiCert);
    impostor = await recordingUpstream(otherCert);
    t = testEgress({
      ca: apiCert.cert + otherCert.cert, // the proxy's trust store for upstreams: only the test servers
      config: { allowAddresses: ["127.0.0.1"], connectPorts: [api.port, impostor.port] },
      names: { "api.test": "127.0.0.1", "wrong-cert.test": "127.0.0.1" },
      secrets: { API_KEY: KEY, OTHER_KEY: OTHER },
      bindings: { http: [{ secret: "API_KEY", host: "api.test", port: api.port, header: "Authorization" }] },
      decide: (q) =>
        q.path?.startsWith("/admin") ? { verdict: "deny", reason: "no admin" } : { verdict: "allow", reason: "test" },
    });
    const authority = createCertificateAuthority();
    caBundle = join(dir.path, "ca.pem");
    writeFileSync(caBundle, authority.bundle(), { mode: 0o644 });
    proxy = await startEgressProxy(t.deps, {
      socketPath: join(dir.path, "egress.sock"),
      socketMode: 0o666,
      token: "tok-123",
      authority,
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await api?.[Symbol.asyncDispose]();
    await impostor?.[Symbol.asyncDispose]();
    await sandbox.close();
    await dir?.[Symbol.asyncDispose]();
  });

  const curl = async (...args: string[]) => {
    const r = await sandbox.run({
      argv: ["curl", "-sS", "-m", "20", "-w", "\n%{http_code}", ...args],
      workspace: ws,
      net: { mode: "proxy", socketPath: proxy.socketPath ?? "", token: "tok-123", caBundle },
    });
    if (!r.ok) throw r.error;
    const out = r.value.stdout;
    const cut = out.lastIndexOf("\n");
    return { code: r.value.exitCode, status: Number(out.slice(cut + 1)), body: out.slice(0, cut), err: r.value.stderr };
  };

  it("policy sees method and path; a bound secret is injected; the echo comes back redacted", async () => {
    const before = api.requests.length;
    const r = await curl(
      "-X",
      "PUT",
      "-H",
      "Authorization: Bearer secret:API_KEY",
      "--data",
      "x=1",
      `https://api.test:${api.port}/v1/things/7?verbose=1`,
    );
    expect(r.err).toBe("");
    expect(r.status).toBe(200);
    const got = api.requests[before];
    expect(got).toMatchObject({ method: "PUT", url: "/v1/things/7?verbose=1", body: "x=1" });
    expect(got?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.body).not.toContain(KEY);
    expect(r.body).toContain("[secret:API_KEY]");
    expect(t.queries.at(-1)).toMatchObject({ scheme: "https", method: "PUT", path: "/v1/things/7" });
  });

  it("an unbound secret in the query is blocked before it leaves", async () => {
    const before = api.requests.length;
    const r = await curl(`https://api.test:${api.port}/collect?d=${OTHER}`);
    expect(r.status).toBe(403);
    expect(r.body).toContain("not bound there");
    expect(r.body).not.toContain(OTHER);
    expect(api.requests.length).toBe(before);
    expect(t.events.some((e) => e.type === "egress.exfiltration_blocked")).toBe(true);
  });

  it("a path policy denies is refused", async () => {
    const r = await curl(`https://api.test:${api.port}/admin/users`);
    expect(r.status).toBe(403);
    expect(r.body).toContain("no admin");
  });

  it("the proxy refuses an upstream certificate for the wrong host", async () => {
    const before = impostor.requests.length;
    const r = await curl(`https://wrong-cert.test:${impostor.port}/`);
    expect(r.status).toBe(502);
    expect(impostor.requests.length).toBe(before);
    expect(t.events.some((e) => e.type === "egress.error" && /ERR_TLS_CERT_ALTNAME_INVALID/.test(e.reason ?? ""))).toBe(
      true,
    );
  });
});
