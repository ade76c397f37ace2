// HTTPS through the proxy with TLS interception: a real TLS client trusting only the proxy's CA, CONNECT, then
// requests inside that the proxy sees whole (policy on method and path, guard, injection) and forwards over its own
// TLS connection, verified against the upstream's real name (the upstream's own certificate, trusted as a test CA).
import { type IncomingMessage, request } from "node:http";
import type { Socket } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { createCertificateAuthority } from "./ca.js";
import { startEgressProxy } from "./proxy.js";
import { testEgress } from "./setup.fake.js";
import { captureHello, recordingUpstream, selfSignedCert, type Upstream } from "./upstream.fake.js";

const KEY = "k3y-for-the-api-7f2a9c01b4e8d6";
const OTHER = "other-secret-5b7d1e9f3a2c80";
const proxyCa = createCertificateAuthority();
let api: Upstream; // serves a certificate for api.test
let impostor: Upstream; // serves a certificate for other.test, reached as api-mismatch.test
let upstreamCas = "";
let apiCa = "";

beforeAll(async () => {
  await using dir = await tempDir("warden-intercept-");
  const apiCert = selfSignedCert(dir.path, "api.test");
  const otherCert = selfSignedCert(dir.path, "other.test");
  upstreamCas = apiCert.cert + otherCert.cert;
  apiCa = apiCert.cert;
  api = await recordingUpstream(apiCert);
  impostor = await recordingUpstream(otherCert);
});
afterAll(async () => {
  await api[Symbol.asyncDispose]();
  await impostor[Symbol.asyncDispose]();
});

function setup(extra: Parameters<typeof testEgress>[0] = {}) {
  return testEgress({
    ca: upstreamCas,
    config: { allowAddresses: ["127.0.0.1"], connectPorts: [api.port, impostor.port] },
    names: { "api.test": "127.0.0.1", "api-mismatch.test": "127.0.0.1" },
    secrets: { API_KEY: KEY, OTHER_KEY: OTHER },
    bindings: { http: [{ secret: "API_KEY", host: "api.test", port: api.port, header: "Authorization" }] },
    ...extra,
  });
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

function connectVia(proxyPort: number, authority: string): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxyPort, method: "CONNECT", path: authority });
    req.on("connect", (res: IncomingMessage, socket: Socket) => resolve({ status: res.statusCode ?? 0, socket }));
    req.on("error", reject);
    req.end();
  });
}

async function tlsVia(proxyPort: number, host: string, port: number, trust = proxyCa.certPem): Promise<TLSSocket> {
  const { status, socket } = await connectVia(proxyPort, `${host}:${port}`);
  expect(status).toBe(200);
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ socket, servername: host, ca: trust, ALPNProtocols: ["http/1.1"] });
    s.once("secureConnect", () => resolve(s));
    s.once("error", (e) => {
      socket.destroy(); // as a client process exiting would
      reject(e);
    });
  });
}

async function httpsVia(
  proxyPort: number,
  host: string,
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const socket = await tlsVia(proxyPort, host, port);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        createConnection: () => socket,
        host,
        port,
        path,
        method: options.method ?? "GET",
        headers: options.headers ?? {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() });
        });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("TLS interception in the egress proxy", () => {
  it("lets policy see method and path, injects a bound secret and redacts its echo", async () => {
    const t = setup();
    const proxy = await startEgressProxy(t.deps, { tcp: true, authority: proxyCa });
    const port = Number(new URL(proxy.url ?? "").port);
    try {
      const before = api.requests.length;
      const r = await httpsVia(port, "api.test", api.port, "/v1/items?page=2", {
        method: "POST",
        headers: { authorization: "Bearer secret:API_KEY", "content-type": "application/json" },
        body: '{"name":"x"}',
      });
      expect(r.status).toBe(200);
      const got = api.requests[before];
      expect(got?.method).toBe("POST");
      expect(got?.url).toBe("/v1/items?page=2");
      expect(got?.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(got?.headers.host).toBe(`api.test:${api.port}`);
      expect(r.body).not.toContain(KEY);
      expect(r.body).toContain("[secret:API_KEY]");
      const q = t.queries.at(-1);
      expect(q).toMatchObject({ via: "proxy", scheme: "https", host: "api.test", method: "POST", path: "/v1/items" });
      expect(q?.secrets).toEqual(["API_KEY"]);
      expect(t.events.some((e) => e.type === "egress.allowed" && e.scheme === "https" && e.method === "POST")).toBe(
        true,
      );
    } finally {
      await proxy.close();
    }
  });

  it("blocks an unbound secret in the query before anything reaches the server", async () => {
    const t = setup();
    const proxy = await startEgressProxy(t.deps, { tcp: true, authority: proxyCa });
    const port = Number(new URL(proxy.url ?? "").port);
    try {
      const before = api.requests.length;
      for (const leak of [OTHER, Buffer.from(OTHER).toString("base64"), KEY]) {
        const r = await httpsVia(port, "api.test", api.port, `/collect?d=${encodeURIComponent(leak)}`);
        expect(r.status).toBe(403);
        expect(r.headers["x-warden-egress"]).toBe("denied");
        expect(r.body).not.toContain(leak);
      }
      expect(api.requests.length).toBe(before);
      const blocked = t.events.filter((e) => e.type === "egress.exfiltration_blocked");
      expect(blocked.map((e) => e.findings?.map((f) => f.name))).toEqual([["OTHER_KEY"], ["OTHER_KEY"], ["API_KEY"]]);
    } finally {
      await proxy.close();
    }
  });

  it("denies by method and path, which an opaque tunnel could never show", async () => {
    const t = setup({
      decide: (q) =>
        q.method === "GET" && q.path?.startsWith("/v1/") === true
          ? { verdict: "allow", reason: "read-only API" }
          : { verdict: "deny", reason: "only GET /v1/" },
    });
    const proxy = await startEgressProxy(t.deps, { tcp: true, authority: proxyCa });
    const port = Number(new URL(proxy.url ?? "").port);
    try {
      expect((await httpsVia(port, "api.test", api.port, "/v1/ok")).status).toBe(200);
      const del = await httpsVia(port, "api.test", api.port, "/v1/ok", { method: "DELETE" });
      expect(del.status).toBe(403);
      expect(del.body).toContain("only GET /v1/");
      expect((await httpsVia(port, "api.test", api.port, "/admin")).status).toBe(403);
    } finally {
      await proxy.close();
    }
  });

  it("refuses an upstream whose certificate is for another name (verification is never off)", async () => {
    const t = setup();
    const proxy = await startEgressProxy(t.deps, { tcp: true, authority: proxyCa });
    const port = Number(new URL(proxy.url ?? "").port);
    try {
      const before = impostor.requests.length;
      const r = await httpsVia(port, "api-mismatch.test", impostor.port, "/x", {
        headers: { authorization: "Bearer nothing" },
      });
      expect(r.status).toBe(502);
      expect(impostor.requests.length).toBe(before);
      const error = t.events.find((e) => e.type === "egress.error" && e.host === "api-mismatch.test");
      expect(error?.reason).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
    } finally {
      await proxy.close();
    }
  });

  it("refuses an upstream whose certificate chains to no trusted CA, even for the right name", async () => {
    const t = setup({ ca: apiCa, names: { "other.test": "127.0.0.1" } });
    const proxy = await startEgressProxy(t.deps, { tcp: true, authority: proxyCa });
    const port = Number(new URL(proxy.url ?? "").port);
    try {
      const r = await httpsVia(port, "other.test", impostor.port, "/x");
      expect(r.status).toBe(502);
      const error = t.events.find((e) => e.type === "egress.error" && e.host === "other.test");
      expect(error?.reason).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    } finally {
      await proxy.close();
    }
  });

  it("refuses a Host header for another name inside the tunnel, and protocol upgrades", async () => {
    const t = setup();
    const proxy = await startEgressProxy(t.deps, { tcp: true, authority: proxyCa });
    const port = Number(new URL(proxy.url ?? "").port);
    try {
      const fronted = await httpsVia(port, "api.test", api.port, "/", { headers: { host: "evil.test" } });
      expect(fronted.status).toBe(403);
      expect(fronted.body).toContain("differs from the tunnel's host");
      const socket = await tlsVia(port, "api.test", api.port);
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: api.test:${api.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
      );
      const head = await new Promise<string>((resolve) => socket.once("data", (d: Buffer) => resolve(d.toString())));
      expect(head).toMatch(/^HTTP\/1\.1 403/);
      socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  it("a client that does not trust the Warden CA fails its handshake, and the audit says why", async () => {
    const t = setup();
    const proxy = await startEgressProxy(t.deps, { tcp: true, authority: proxyCa });
    const port = Number(new URL(proxy.url ?? "").port);
    try {
      const other = createCertificateAuthority();
      await expect(tlsVia(port, "api.test", api.port, other.certPem)).rejects.toThrow(/certificate/i);
      const audited = () => t.events.some((e) => e.type === "egress.error");
      for (let i = 0; i < 100 && !audited(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(t.events.some((e) => e.type === "egress.error" && /trust the Warden CA/.test(e.reason ?? ""))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it("refuses a TLS server name other than the CONNECT host, and absolute-form requests inside", async () => {
    const t = setup();
    const proxy = await startEgressProxy(t.deps, { tcp: true, authority: proxyCa });
    const port = Number(new URL(proxy.url ?? "").port);
    try {
      const { socket } = await connectVia(port, `api.test:${api.port}`);
      const fronted = await new Promise<string>((resolve) => {
        const s = tlsConnect({ socket, servername: "evil.test", ca: proxyCa.certPem });
        s.once("secureConnect", () => resolve("connected"));
        s.once("error", (e) => resolve(e.message));
      });
      expect(fronted).not.toBe("connected");
      expect(
        t.events.some((e) => e.type === "egress.denied" && /differs from the CONNECT host/.test(e.reason ?? "")),
      ).toBe(true);
      const inside = await tlsVia(port, "api.test", api.port);
      inside.write(`GET https://evil.test/ HTTP/1.1\r\nHost: api.test:${api.port}\r\nConnection: close\r\n\r\n`);
      const head = await new Promise<string>((resolve) => inside.once("data", (d: Buffer) => resolve(d.toString())));
      expect(head).toMatch(/^HTTP\/1\.1 400/);
      inside.destroy();
    } finally {
      await proxy.close();
    }
  });

  it("a client that starts a handshake and stalls is cut at the timeout", async () => {
    const t = setup({ config: { allowAddresses: ["127.0.0.1"], connectPorts: [api.port], timeoutMs: 300 } });
    const proxy = await startEgressProxy(t.deps, { tcp: true, authority: proxyCa });
    const port = Number(new URL(proxy.url ?? "").port);
    try {
      const { socket } = await connectVia(port, `api.test:${api.port}`);
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.on("error", () => undefined);
      socket.write(await captureHello("api.test")); // then nothing: no Finished ever comes
      socket.resume();
      await closed;
      for (let i = 0; i < 50 && !t.events.some((e) => e.type === "egress.error"); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(t.events.find((e) => e.type === "egress.error")?.reason).toContain("timed out");
    } finally {
      await proxy.close();
    }
  });

  it("keeps configured hosts as opaque tunnels decided on host and port (the client sees the real certificate)", async () => {
    const t = setup({
      config: {
        allowAddresses: ["127.0.0.1"],
        connectPorts: [api.port],
        tls: { intercept: true, passThrough: ["*.test"], trust: [] },
      },
    });
    const proxy = await startEgressProxy(t.deps, { tcp: true, authority: proxyCa });
    const port = Number(new URL(proxy.url ?? "").port);
    try {
      await expect(tlsVia(port, "api.test", api.port)).rejects.toThrow(/self.signed|certificate/i);
      const socket = await tlsVia(port, "api.test", api.port, upstreamCas);
      expect(socket.getPeerX509Certificate()?.subject).toContain("CN=api.test");
      socket.destroy();
      expect(t.queries.at(-1)).toMatchObject({ method: "CONNECT", host: "api.test", port: api.port });
    } finally {
      await proxy.close();
    }
  });
});
