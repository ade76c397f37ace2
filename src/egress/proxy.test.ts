// The egress proxy over TCP and a unix socket: plain HTTP with injection and redaction, refusals, keep-alive per
// admitted address, the token, and CONNECT tunnels (TLS only).
import { statSync } from "node:fs";
import { type IncomingMessage, request } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { startEgressProxy } from "./proxy.js";
import { testEgress } from "./setup.fake.js";
import {
  captureHello,
  echoServer,
  recordingUpstream,
  selfSignedCert,
  tlsUpstream,
  type Upstream,
} from "./upstream.fake.js";

const TOKEN = "ghp_proxyTestValue0123456789abcdefABCDEF";
let up: Upstream;
beforeAll(async () => {
  up = await recordingUpstream();
});
afterAll(async () => {
  await up[Symbol.asyncDispose]();
});

function setup(extra: Parameters<typeof testEgress>[0] = {}) {
  return testEgress({
    config: { allowAddresses: ["127.0.0.1"] },
    names: { "api.test": "127.0.0.1", "other.test": "127.0.0.1", "private.test": "10.0.0.7" },
    secrets: { GH_TOKEN: TOKEN },
    bindings: {
      http: [{ secret: "GH_TOKEN", scheme: "http", host: "api.test", port: up.port, header: "Authorization" }],
    },
    ...extra,
  });
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

function viaProxy(
  to: { port?: number; socketPath?: string },
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", ...to, path, method: options.method ?? "GET", headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

function connectVia(
  port: number,
  authority: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "CONNECT", path: authority, headers });
    req.on("connect", (res: IncomingMessage, socket: Socket) => resolve({ status: res.statusCode ?? 0, socket }));
    req.on("error", reject);
    req.end();
  });
}

function portOf(url: string | undefined): number {
  return Number(new URL(url ?? "http://x:0").port);
}

describe("egress proxy: plain HTTP", () => {
  it("forwards an allowed request with the bound secret injected and the echoed value redacted", async () => {
    const t = setup();
    const proxy = await startEgressProxy(t.deps, { tcp: true });
    try {
      const before = up.requests.length;
      const a = await viaProxy({ port: portOf(proxy.url) }, `http://api.test:${up.port}/repos?x=1`, {
        headers: { Authorization: "token secret:GH_TOKEN", "Proxy-Connection": "keep-alive" },
      });
      expect(a.status).toBe(200);
      const got = up.requests[before]!;
      expect(got.headers.authorization).toBe(`token ${TOKEN}`);
      expect(got.headers.host).toBe(`api.test:${up.port}`);
      expect(got.headers["proxy-connection"]).toBeUndefined();
      expect(a.body).toContain("token [secret:GH_TOKEN]");
      expect(a.body).not.toContain(TOKEN);
      expect(t.queries[0]).toMatchObject({
        via: "proxy",
        scheme: "http",
        host: "api.test",
        method: "GET",
        path: "/repos",
        secrets: ["GH_TOKEN"],
      });
      expect(t.events.map((e) => e.type)).toEqual(["egress.allowed", "egress.response"]);
    } finally {
      await proxy.close();
    }
  });

  it("serves on a unix socket", async () => {
    await using dir = await tempDir();
    const socketPath = join(dir.path, "egress.sock");
    const proxy = await startEgressProxy(setup().deps, { socketPath });
    try {
      expect(proxy.url).toBeUndefined();
      expect(statSync(socketPath).mode & 0o777).toBe(0o600);
      const a = await viaProxy({ socketPath }, `http://other.test:${up.port}/over-unix`);
      expect([a.status, JSON.parse(a.body).url]).toEqual([200, "/over-unix"]);
    } finally {
      await proxy.close();
    }
  });

  it("refuses by policy, by address, for exfiltration, for misplaced handles and for non-proxy forms; upstream sees none", async () => {
    const t = setup({ decide: (q) => ({ verdict: q.host === "denied.test" ? "deny" : "allow", reason: "rule" }) });
    const proxy = await startEgressProxy(t.deps, { tcp: true });
    const port = portOf(proxy.url);
    const before = up.requests.length;
    try {
      const cases: [string, string, Record<string, string>][] = [
        ["denied by policy", `http://denied.test:${up.port}/`, {}],
        ["internal address", `http://private.test:${up.port}/`, {}],
        ["non-canonical IPv4", `http://2130706433:${up.port}/`, {}],
        ["value in the query", `http://other.test:${up.port}/?q=${TOKEN}`, {}],
        ["handle in an unbound header", `http://api.test:${up.port}/`, { "X-Api": "secret:GH_TOKEN" }],
        ["detected credential", `http://api.test:${up.port}/`, { "X-Key": "AKIAIOSFODNN7EXAMPLE" }],
      ];
      for (const [label, url, headers] of cases) {
        const a = await viaProxy({ port }, url, { headers });
        expect([label, a.status, a.headers["x-warden-egress"]]).toEqual([label, 403, "denied"]);
      }
      expect((await viaProxy({ port }, "/origin-form")).status).toBe(400);
      expect((await viaProxy({ port }, `https://api.test:${up.port}/`)).status).toBe(400);
      expect(up.requests.length).toBe(before);
      expect(t.events.filter((e) => e.type === "egress.exfiltration_blocked").length).toBe(2);
      expect(JSON.stringify(t.events)).not.toContain(TOKEN);
    } finally {
      await proxy.close();
    }
  });

  it("reuses a kept-alive connection only for the address just admitted (a rebinding name gets no old socket)", async () => {
    let calls = 0;
    const t = setup({
      config: { allowAddresses: ["127.0.0.1", "127.0.0.2"] },
      names: { "flip.test": () => [++calls === 1 ? "127.0.0.1" : "127.0.0.2"] },
    });
    const proxy = await startEgressProxy(t.deps, { tcp: true });
    try {
      const port = portOf(proxy.url);
      expect((await viaProxy({ port }, `http://flip.test:${up.port}/first`)).status).toBe(200);
      // The upstream listens on 127.0.0.1 only: reaching it again would mean the old socket was reused.
      const second = await viaProxy({ port }, `http://flip.test:${up.port}/second`);
      expect([second.status, second.body]).toEqual([502, "warden egress: connection failed: ECONNREFUSED\n"]);
      expect(up.requests.some((r) => r.url === "/second")).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it("strips headers named in Connection, refuses compressed bodies and upgrades, audits the refusals", async () => {
    const t = setup();
    const proxy = await startEgressProxy(t.deps, { tcp: true });
    try {
      const port = portOf(proxy.url);
      const url = `http://api.test:${up.port}/hop`;
      const before = up.requests.length;
      await viaProxy({ port }, url, { headers: { Connection: "X-Private", "X-Private": "p", "X-Kept": "k" } });
      expect(up.requests[before]?.headers["x-private"]).toBeUndefined();
      expect(up.requests[before]?.headers["x-kept"]).toBe("k");
      const gz = await viaProxy({ port }, url, { method: "POST", headers: { "Content-Encoding": "gzip" }, body: "x" });
      expect(gz.status).toBe(415);
      const upgrade = await viaProxy({ port }, url, { headers: { Connection: "Upgrade", Upgrade: "websocket" } });
      expect(upgrade.status).toBe(403);
      expect(up.requests.length).toBe(before + 1);
      expect(t.events.filter((e) => e.type === "egress.denied").length).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it("requires the token when one is set", async () => {
    const proxy = await startEgressProxy(setup().deps, { tcp: true, token: "proxy-token-1" });
    try {
      const port = portOf(proxy.url);
      const url = `http://api.test:${up.port}/auth`;
      expect((await viaProxy({ port }, url)).status).toBe(407);
      expect((await viaProxy({ port }, url, { headers: { "Proxy-Authorization": "Bearer wrong" } })).status).toBe(407);
      expect(
        (await viaProxy({ port }, url, { headers: { "Proxy-Authorization": "Bearer proxy-token-1" } })).status,
      ).toBe(200);
      const basic = `Basic ${Buffer.from("warden:proxy-token-1").toString("base64")}`;
      expect((await viaProxy({ port }, url, { headers: { "Proxy-Authorization": basic } })).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });
});

describe("egress proxy: CONNECT", () => {
  it("tunnels TLS to the checked address, and refuses non-TLS, other ports and internal addresses", async () => {
    await using echo = await echoServer();
    const t = setup({ config: { allowAddresses: ["127.0.0.1"], connectPorts: [echo.port] } });
    const proxy = await startEgressProxy(t.deps, { tcp: true });
    const port = portOf(proxy.url);
    try {
      const tunnel = await connectVia(port, `api.test:${echo.port}`);
      expect(tunnel.status).toBe(200);
      const hello = await captureHello("api.test");
      const echoed = new Promise<Buffer>((resolve) => tunnel.socket.once("data", resolve));
      tunnel.socket.write(hello);
      expect(await echoed).toEqual(hello);
      tunnel.socket.destroy();
      expect(t.queries.at(-1)).toMatchObject({ via: "proxy", host: "api.test", port: echo.port, method: "CONNECT" });

      const plain = await connectVia(port, `api.test:${echo.port}`);
      const closed = new Promise<void>((resolve) => plain.socket.once("close", () => resolve()));
      plain.socket.on("error", () => undefined);
      plain.socket.write("SSH-2.0-OpenSSH\r\n");
      await closed;
      expect(Buffer.concat(echo.received).toString()).not.toContain("SSH");

      const fronted = await connectVia(port, `api.test:${echo.port}`);
      const frontedClosed = new Promise<void>((resolve) => fronted.socket.once("close", () => resolve()));
      fronted.socket.on("error", () => undefined);
      fronted.socket.write(await captureHello("other.test"));
      await frontedClosed;

      expect((await connectVia(port, `api.test:${up.port}`)).status).toBe(403);
      expect((await connectVia(port, `private.test:${echo.port}`)).status).toBe(403);
      expect((await connectVia(port, `[::ffff:127.0.0.1]:${echo.port}`)).status).toBe(403);
      expect((await connectVia(port, "api.test")).status).toBe(403);
      expect(t.events.filter((e) => e.type === "egress.denied").map((e) => e.reason)).toEqual([
        "tunnel traffic is not TLS",
        "TLS server name other.test differs from the CONNECT host",
        `CONNECT to port ${up.port} is not allowed`,
        `private.test resolves to 10.0.0.7 (private address), not in egress.allowAddresses`,
        "::ffff:7f00:1 (IPv4-mapped IPv6 address), not in egress.allowAddresses",
        "CONNECT needs host:port",
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("carries a real TLS session end to end (certificate checked by the client against the name)", async () => {
    await using dir = await tempDir();
    const cert = selfSignedCert(dir.path, "secure.test");
    await using server = await tlsUpstream(cert);
    const t = setup({
      names: { "secure.test": "127.0.0.1" },
      config: { allowAddresses: ["127.0.0.1"], connectPorts: [server.port] },
    });
    const proxy = await startEgressProxy(t.deps, { tcp: true });
    try {
      const tunnel = await connectVia(portOf(proxy.url), `secure.test:${server.port}`);
      const tls = tlsConnect({ socket: tunnel.socket, servername: "secure.test", ca: cert.cert });
      const text = await new Promise<string>((resolve, reject) => {
        let data = "";
        tls.on("secureConnect", () => tls.write("GET / HTTP/1.1\r\nHost: secure.test\r\nConnection: close\r\n\r\n"));
        tls.on("data", (d: Buffer) => {
          data += d.toString();
        });
        tls.on("end", () => resolve(data));
        tls.on("error", reject);
      });
      expect(text).toContain("hello over tls");
    } finally {
      await proxy.close();
    }
  });
});
