// What reaches the model (the http_request result) and the sandbox (the proxy's answer) when an upstream echoes
// secrets back in every encoding, split into tiny writes: no secret value in any form, only [secret:NAME].
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpRequestTool } from "./http-tool.js";
import { startEgressProxy } from "./proxy.js";
import { testEgress } from "./setup.fake.js";
import { recordingUpstream, type Upstream } from "./upstream.fake.js";

const SECRETS = { API_TOKEN: "tok_live_9f8e7d6c5b4a39281706", DB_PASSWORD: "pa ss/w+rd?&=é-long-enough" };

function forms(value: string): string[] {
  const bytes = Buffer.from(value);
  const uri = encodeURIComponent(value);
  return [
    value,
    bytes.toString("base64"),
    bytes.toString("base64url"),
    bytes.toString("hex"),
    bytes.toString("hex").toUpperCase(),
    uri,
    uri.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    uri.replace(/%20/g, "+"),
    JSON.stringify(value).slice(1, -1),
    Buffer.from(`xy${value}`).toString("base64"),
  ];
}

/** Text every form of every secret would leave behind if not redacted (the core of each). */
function leaks(text: string): string[] {
  return Object.values(SECRETS).flatMap((v) =>
    forms(v)
      .map((f) => f.slice(4, -4))
      .filter((core) => text.includes(core)),
  );
}

let up: Upstream;
beforeAll(async () => {
  up = await recordingUpstream();
  up.route("/echo-all", (_req, _body, res) => {
    const payload = Object.values(SECRETS)
      .flatMap((v) => forms(v))
      .join("\n");
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "x-echo": SECRETS.API_TOKEN });
    // Tiny writes, so values straddle chunk boundaries on the way.
    for (let i = 0; i < payload.length; i += 5) res.write(payload.slice(i, i + 5));
    res.end();
  });
});
afterAll(async () => {
  await up[Symbol.asyncDispose]();
});

const setup = () =>
  testEgress({ config: { allowAddresses: ["127.0.0.1"] }, names: { "echo.test": "127.0.0.1" }, secrets: SECRETS });

describe("what the model and the sandbox receive", () => {
  it("http_request: every echoed form is redacted, header included", async () => {
    const result = await createHttpRequestTool(setup().deps).run({ url: `http://echo.test:${up.port}/echo-all` });
    const seen = JSON.stringify(result);
    expect(leaks(seen)).toEqual([]);
    expect(seen.match(/\[secret:API_TOKEN\]/g)?.length).toBeGreaterThanOrEqual(10);
    expect(seen.match(/\[secret:DB_PASSWORD\]/g)?.length).toBeGreaterThanOrEqual(8);
  });

  it("proxy: the sandbox gets the same redacted answer", async () => {
    const proxy = await startEgressProxy(setup().deps, { tcp: true });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port: Number(new URL(proxy.url ?? "").port),
            path: `http://echo.test:${up.port}/echo-all`,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve(`${JSON.stringify(res.headers)}\n${Buffer.concat(chunks).toString()}`));
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(leaks(body)).toEqual([]);
      expect(body).toContain("[secret:DB_PASSWORD]");
    } finally {
      await proxy.close();
    }
  });
});
