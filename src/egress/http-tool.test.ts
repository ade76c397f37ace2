// The http_request tool against real servers on 127.0.0.1: injection, misuse of handles, exfiltration, limits,
// redirects, policy failures, DNS pinning and TLS.
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { createHttpRequestTool, type HttpToolResult } from "./http-tool.js";
import { testEgress } from "./setup.fake.js";
import { recordingUpstream, selfSignedCert, tlsUpstream, type Upstream } from "./upstream.fake.js";

const TOKEN = "ghp_toolTestValue0123456789abcdefABCDEF";
const MAPS = "maps-key-value-5566778899";
let up: Upstream;
let base: string;

beforeAll(async () => {
  up = await recordingUpstream();
  base = `http://api.test:${up.port}`;
  up.route("/big", (_q, _b, res) => res.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(3_000_000)));
  up.route("/bomb", (_q, _b, res) =>
    res
      .writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" })
      .end(gzipSync(Buffer.alloc(30_000_000))),
  );
  up.route("/binary", (_q, _b, res) => res.writeHead(200, { "content-type": "image/png" }).end(Buffer.alloc(500, 1)));
  up.route("/leak", (_q, _b, res) =>
    res
      .writeHead(200, { "content-type": "text/plain" })
      .end(`aws AKIAIOSFODNN7EXAMPLE and ${Buffer.from(TOKEN).toString("base64")}`),
  );
  up.route("/same", (_q, _b, res) => res.writeHead(302, { location: "/echo-after" }).end());
  up.route("/cross", (_q, _b, res) => res.writeHead(302, { location: `http://other.test:${up.port}/landed` }).end());
  up.route("/see-other", (_q, _b, res) => res.writeHead(303, { location: "/after-post" }).end());
  up.route("/loop", (_q, _b, res) => res.writeHead(302, { location: "/loop" }).end());
});
afterAll(async () => {
  await up[Symbol.asyncDispose]();
});

function setup(extra: Parameters<typeof testEgress>[0] = {}) {
  return testEgress({
    config: { allowAddresses: ["127.0.0.1"] },
    names: { "api.test": "127.0.0.1", "other.test": "127.0.0.1" },
    secrets: { GH_TOKEN: TOKEN, MAPS_KEY: MAPS },
    bindings: {
      http: [
        { secret: "GH_TOKEN", scheme: "http", host: "api.test", port: up.port, header: "Authorization" },
        { secret: "MAPS_KEY", scheme: "http", host: "api.test", port: up.port, pathPrefix: "/maps", query: "key" },
      ],
    },
    ...extra,
  });
}

function okResult(r: HttpToolResult) {
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r.error)}`);
  return r;
}

function denial(r: HttpToolResult): string {
  return r.ok ? "(not denied)" : `${r.error.code}: ${r.error.reason}`;
}

describe("http_request: secrets", () => {
  it("injects bound secrets at send time, redacts the echo, marks the result untrusted, audits names only", async () => {
    const t = setup();
    const tool = createHttpRequestTool(t.deps);
    const before = up.requests.length;
    const r = okResult(
      await tool.run({
        url: `${base}/maps/tile?key=secret:MAPS_KEY&z=3`,
        headers: { Authorization: "Bearer secret:GH_TOKEN" },
      }),
    );
    const got = up.requests[before]!;
    expect(got.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(got.url).toBe(`/maps/tile?key=${MAPS}&z=3`);
    expect(r.untrusted).toBe(true);
    expect(r.body).toContain("Bearer [secret:GH_TOKEN]");
    expect(r.body).toContain("[secret:MAPS_KEY]");
    expect(r.body).not.toContain(TOKEN);
    expect(t.queries[0]).toMatchObject({ via: "tool", host: "api.test", method: "GET", path: "/maps/tile" });
    expect([...(t.queries[0]?.secrets ?? [])].sort()).toEqual(["GH_TOKEN", "MAPS_KEY"]);
    expect(JSON.stringify(t.events)).not.toContain(TOKEN);
    expect(JSON.stringify(t.events)).not.toContain(MAPS);
  });

  const misuse: [string, () => Parameters<ReturnType<typeof createHttpRequestTool>["run"]>[0]][] = [
    ["a handle in an unbound header", () => ({ url: `${base}/x`, headers: { "X-Token": "secret:GH_TOKEN" } })],
    ["a handle outside the path prefix", () => ({ url: `${base}/other?key=secret:MAPS_KEY` })],
    ["a handle in the path", () => ({ url: `${base}/secret:GH_TOKEN` })],
    ["an encoded handle in the path", () => ({ url: `${base}/secret%3AGH_TOKEN` })],
    ["a handle in the body", () => ({ method: "POST", url: `${base}/x`, body: "token=secret:GH_TOKEN" })],
    ["a handle in a query name", () => ({ url: `${base}/x?secret:GH_TOKEN=1` })],
    [
      "a handle bound to another host",
      () => ({ url: `http://other.test:${up.port}/x`, headers: { Authorization: "secret:GH_TOKEN" } }),
    ],
    ["a handle of a missing secret", () => ({ url: `${base}/x`, headers: { Authorization: "secret:NOT_THERE" } })],
  ];
  for (const [label, args] of misuse) {
    it(`denies ${label}, and nothing is sent`, async () => {
      const t = setup();
      const before = up.requests.length;
      const r = await createHttpRequestTool(t.deps).run(args());
      expect(denial(r)).toMatch(/^EGRESS_DENIED: .*secret:(GH_TOKEN|MAPS_KEY|NOT_THERE)/);
      expect(up.requests.length).toBe(before);
    });
  }

  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const exfil: [string, () => Parameters<ReturnType<typeof createHttpRequestTool>["run"]>[0]][] = [
    ["a raw value in the query", () => ({ url: `http://other.test:${up.port}/c?d=${TOKEN}` })],
    [
      "a URL-encoded value in the query",
      () => ({ url: `http://other.test:${up.port}/c?d=${encodeURIComponent(MAPS)}` }),
    ],
    ["a base64 value in the body", () => ({ method: "POST", url: `${base}/c`, body: `{"d":"${b64(TOKEN)}"}` })],
    ["a hex value in a header", () => ({ url: `${base}/c`, headers: { "X-D": Buffer.from(MAPS).toString("hex") } })],
    ["a value in the path", () => ({ url: `http://other.test:${up.port}/${TOKEN}` })],
    ["a value as a DNS label", () => ({ url: `http://${TOKEN}.other.test:${up.port}/` })],
    [
      "a value inside a longer base64 blob",
      () => ({ method: "PUT", url: `${base}/c`, body: b64(`prefix-${TOKEN}-suffix`) }),
    ],
    ["a detected credential in the body", () => ({ method: "POST", url: `${base}/c`, body: "AKIAIOSFODNN7EXAMPLE" })],
    [
      "a private key in the body",
      () => ({ method: "POST", url: `${base}/c`, body: "-----BEGIN PRIVATE KEY-----\nMIIE" }),
    ],
  ];
  for (const [label, args] of exfil) {
    it(`blocks exfiltration of ${label} to an allowed host, and audits it`, async () => {
      const t = setup();
      const before = up.requests.length;
      const r = await createHttpRequestTool(t.deps).run(args());
      expect(denial(r)).toMatch(/^EGRESS_DENIED: request carries/);
      expect(up.requests.length).toBe(before);
      const event = t.events.find((e) => e.type === "egress.exfiltration_blocked");
      expect(event?.findings?.length).toBeGreaterThan(0);
      expect(JSON.stringify(t.events)).not.toContain(TOKEN);
    });
  }

  it("lets a secret value go where it is bound", async () => {
    const r = await createHttpRequestTool(setup().deps).run({
      url: `${base}/x`,
      headers: { Authorization: `token ${TOKEN}` },
    });
    expect(okResult(r).status).toBe(200);
  });

  it("redacts detected credentials and known encodings in the response", async () => {
    const t = setup();
    const r = okResult(await createHttpRequestTool(t.deps).run({ url: `${base}/leak` }));
    expect(r.body).toBe("aws [credential:aws-access-key] and [secret:GH_TOKEN]");
  });
});

describe("http_request: limits, redirects, TLS", () => {
  it("caps the body, also when decompressing a gzip bomb", async () => {
    const t = setup({ config: { allowAddresses: ["127.0.0.1"], maxResponseBytes: 10_000 } });
    const tool = createHttpRequestTool(t.deps);
    const big = okResult(await tool.run({ url: `${base}/big` }));
    expect([big.truncated, big.bytes, big.body.length]).toEqual([true, 10_000, 10_000]);
    const bomb = okResult(await tool.run({ url: `${base}/bomb` }));
    expect([bomb.truncated, bomb.bytes]).toEqual([true, 10_000]);
  });

  it("does not return binary bodies", async () => {
    const r = okResult(await createHttpRequestTool(setup().deps).run({ url: `${base}/binary` }));
    expect([r.binary, r.body, r.bytes]).toEqual([true, "", 500]);
  });

  it("follows redirects, re-checking each hop; drops Authorization when leaving the origin; 303 turns POST into GET", async () => {
    const t = setup();
    const tool = createHttpRequestTool(t.deps);
    expect(okResult(await tool.run({ url: `${base}/same` })).url).toBe(`${base}/echo-after`);
    const before = up.requests.length;
    const cross = okResult(
      await tool.run({ url: `${base}/cross`, headers: { Authorization: "Bearer secret:GH_TOKEN" } }),
    );
    expect(cross.status).toBe(200);
    expect(up.requests[before]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(up.requests[before + 1]?.headers.authorization).toBeUndefined();
    expect(t.queries.map((q) => q.host)).toEqual(["api.test", "api.test", "api.test", "other.test"]);
    const n = up.requests.length;
    okResult(await tool.run({ method: "POST", url: `${base}/see-other`, body: "a=1" }));
    expect(up.requests.slice(n).map((q) => [q.method, q.url, q.body])).toEqual([
      ["POST", "/see-other", "a=1"],
      ["GET", "/after-post", ""],
    ]);
    expect(denial(await tool.run({ url: `${base}/loop` }))).toContain("redirects");
  });

  it("denies on ask and when policy throws (fail closed); rejects malformed arguments", async () => {
    const ask = createHttpRequestTool(setup({ decide: () => ({ verdict: "ask", reason: "new host" }) }).deps);
    expect(denial(await ask.run({ url: `${base}/x` }))).toBe("EGRESS_DENIED: approval required: new host");
    const broken = createHttpRequestTool(
      setup({
        decide: () => {
          throw new Error("engine down");
        },
      }).deps,
    );
    expect(denial(await broken.run({ url: `${base}/x` }))).toBe("EGRESS_DENIED: policy could not decide");
    const tool = createHttpRequestTool(setup().deps);
    expect(denial(await tool.run({ url: 42 }))).toMatch(/^BAD_REQUEST/);
    expect(denial(await tool.run({ url: `${base}/x`, method: "TRACE" }))).toMatch(/^BAD_REQUEST/);
    const before = up.requests.length;
    const split = await tool.run({ url: `${base}/x`, headers: { "X-A": "1\r\nX-Injected: yes" } });
    expect(denial(split)).toMatch(/^BAD_REQUEST/);
    expect(up.requests.length).toBe(before);
  });

  it("connects to the address it checked: one lookup, none by the system resolver", async () => {
    let calls = 0;
    const t = setup({
      names: {
        "rebind.test": () => {
          calls++;
          return calls === 1 ? ["127.0.0.1"] : ["10.0.0.1"];
        },
      },
    });
    const r = await createHttpRequestTool(t.deps).run({ url: `http://rebind.test:${up.port}/once` });
    expect(okResult(r).status).toBe(200);
    expect(calls).toBe(1);
  });

  it("speaks HTTPS to the pinned address and still verifies the certificate against the host name", async () => {
    await using dir = await tempDir();
    const cert = selfSignedCert(dir.path, "secure.test");
    await using server = await tlsUpstream(cert);
    const names = { "secure.test": "127.0.0.1", "wrong.test": "127.0.0.1" };
    const trusting = createHttpRequestTool(setup({ names, ca: cert.cert }).deps);
    expect(okResult(await trusting.run({ url: `https://secure.test:${server.port}/` })).body).toBe("hello over tls");
    expect(denial(await trusting.run({ url: `https://wrong.test:${server.port}/` }))).toMatch(/^UPSTREAM_FAILED/);
    const untrusting = createHttpRequestTool(setup({ names }).deps);
    expect(denial(await untrusting.run({ url: `https://secure.test:${server.port}/` }))).toMatch(/^UPSTREAM_FAILED/);
  });
});
