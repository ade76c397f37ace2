// The daemon's egress proxy end to end: `warden sandbox exec --net proxy` reaches a host that policy allows, is
// refused one it does not, and both decisions are on the audit record. Without --net proxy nothing gets out. HTTPS is
// intercepted: curl in the sandbox trusts the daemon's CA bundle, and policy decides on the method and path inside TLS.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runWarden } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

beforeAll(assertBuilt);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function webServer(body: string): Promise<number> {
  const server: Server = createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return (server.address() as { port: number }).port;
}

const FETCH =
  "import sys, urllib.request\ntry:\n  print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())\nexcept Exception as e:\n  print('refused', e)\n  sys.exit(3)\n";

describe("egress through the daemon's proxy", () => {
  it("lets a sandboxed command reach only what policy allows, on the record", async () => {
    await using dir = await tempDir();
    const allowed = await webServer("hello from the allowed host");
    const other = await webServer("should never be seen");
    const home = join(dir.path, "home");
    await runWarden(["init"], home);
    writeFileSync(join(home, "warden.yaml"), 'gateway:\n  port: 0\negress:\n  allowAddresses: ["127.0.0.1"]\n');
    writeFileSync(
      join(home, "policy", "10-net.yaml"),
      `rules:\n  - id: test-web\n    effect: allow\n    reason: the test server\n    match:\n      tool: egress\n      host: 127.0.0.1\n      port: ${allowed}\n`,
    );
    const workspace = join(dir.path, "ws");
    mkdirSync(workspace);
    chmodSync(dir.path, 0o711);
    chmodSync(workspace, 0o777);
    writeFileSync(join(workspace, "fetch.py"), FETCH);
    expect((await runWarden(["start"], home)).code).toBe(0);

    const run = (port: number, net: string) =>
      runWarden(
        [
          "sandbox",
          "exec",
          "--workspace",
          workspace,
          "--net",
          net,
          "--",
          "python3",
          "fetch.py",
          `http://127.0.0.1:${port}/`,
        ],
        home,
      );
    const ok = await run(allowed, "proxy");
    expect(ok.stdout).toContain("hello from the allowed host");
    expect(ok.code).toBe(0);
    const refused = await run(other, "proxy");
    expect(refused.code).toBe(3);
    expect(refused.stdout).not.toContain("should never be seen");
    const offline = await run(allowed, "none");
    expect(offline.code).toBe(3);

    const events = (await runWarden(["audit", "export"], home)).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const egress = events.filter((e) => e.type === "egress.allowed" || e.type === "egress.denied");
    expect(egress.map((e) => [e.type, e.data.port])).toEqual([
      ["egress.allowed", allowed],
      ["egress.denied", other],
    ]);
  });

  it.skipIf(!existsSync("/usr/bin/curl"))(
    "intercepts HTTPS: the sandbox trusts the daemon's CA, policy sees method and path, the upstream is verified",
    async () => {
      await using dir = await tempDir();
      // An HTTPS server with its own certificate for 127.0.0.1, trusted by the daemon through egress.tls.trust.
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"].concat([
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
          "-keyout",
          join(dir.path, "up.key"),
          "-out",
          join(dir.path, "up.crt"),
        ]),
        { stdio: "ignore" },
      );
      const seen: string[] = [];
      const server = createHttpsServer(
        { key: readFileSync(join(dir.path, "up.key")), cert: readFileSync(join(dir.path, "up.crt")) },
        (req, res) => {
          seen.push(`${req.method} ${req.url}`);
          res.end("hello over verified tls");
        },
      );
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      cleanups.push(() => new Promise((r) => server.close(r)));
      const port = (server.address() as { port: number }).port;
      const home = join(dir.path, "home");
      await runWarden(["init"], home);
      writeFileSync(
        join(home, "warden.yaml"),
        `gateway:\n  port: 0\negress:\n  allowAddresses: ["127.0.0.1"]\n  connectPorts: [${port}]\n  tls:\n    trust: ["${join(dir.path, "up.crt")}"]\n`,
      );
      writeFileSync(
        join(home, "policy", "10-net.yaml"),
        `rules:\n  - id: read-only-api\n    effect: allow\n    reason: GET /ok only\n    match:\n      tool: egress\n      host: 127.0.0.1\n      port: ${port}\n      method: GET\n      urlPath: /ok\n`,
      );
      const workspace = join(dir.path, "ws");
      mkdirSync(workspace);
      chmodSync(dir.path, 0o711);
      chmodSync(workspace, 0o777);
      expect((await runWarden(["start"], home)).code).toBe(0);
      const curl = (...args: string[]) =>
        runWarden(
          ["sandbox", "exec", "--workspace", workspace, "--net", "proxy", "--", "curl", "-sS", "-m", "20"].concat(args),
          home,
          { timeoutMs: 40_000 },
        );
      const ok = await curl(`https://127.0.0.1:${port}/ok`);
      expect(ok.stderr).toBe("");
      expect(ok.stdout).toBe("hello over verified tls");
      const post = await curl("-X", "POST", "-w", "%{http_code}", "-o", "/dev/null", `https://127.0.0.1:${port}/ok`);
      expect(post.stdout).toBe("403");
      expect(seen).toEqual(["GET /ok"]);
      const events = (await runWarden(["audit", "export"], home)).stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const egress = events.filter((e) => e.type === "egress.allowed" || e.type === "egress.denied");
      expect(egress.map((e) => [e.type, e.data.scheme, e.data.method, e.data.path])).toEqual([
        ["egress.allowed", "https", "GET", "/ok"],
        ["egress.denied", "https", "POST", "/ok"],
      ]);
    },
  );
});
