// --net proxy: the only way out is the egress proxy's unix socket, reached through the in-sandbox bridge.
import { existsSync } from "node:fs";
import { chmod, chown, mkdir } from "node:fs/promises";
import http from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { BwrapSandbox } from "./bwrap.js";
import { DEFAULT_PROFILE, profileLimits } from "./config.js";

const hasCurl = existsSync("/usr/bin/curl");

describe("network proxy mode", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  let socketPath: string;
  let server: http.Server;
  const seen: string[] = [];
  const sandbox = new BwrapSandbox({ defaultLimits: { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 20_000 } });

  beforeAll(async () => {
    dir = await tempDir();
    await chmod(dir.path, 0o755);
    ws = join(dir.path, "ws");
    await mkdir(ws);
    if (process.getuid?.() === 0) await chown(ws, 65534, 65534);
    socketPath = join(dir.path, "egress.sock");
    // A stand-in for the egress proxy: answers every proxied request and records what it was asked.
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.headers["proxy-authorization"]) seen.push(`auth ${req.headers["proxy-authorization"]}`);
      res.end("via proxy\n");
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
    await chmod(socketPath, 0o666); // the sandbox user (65534 under a root daemon) must be able to connect
  });
  afterAll(async () => {
    server.close();
    await sandbox.close();
    await dir[Symbol.asyncDispose]();
  });

  it("the bridge on 127.0.0.1:3128 forwards raw bytes to the unix socket (bash, no HTTP client needed)", async () => {
    const r = await sandbox.run({
      argv: [
        "bash",
        "-c",
        'exec 3<>/dev/tcp/127.0.0.1/3128; printf "GET http://example.test/raw HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3',
      ],
      workspace: ws,
      net: { mode: "proxy", socketPath },
    });
    expect(r.ok && r.value.stdout).toContain("via proxy");
    expect(seen).toContain("GET http://example.test/raw");
  });

  it.skipIf(!hasCurl)("routes HTTP_PROXY traffic through the bridge to the unix socket", async () => {
    const r = await sandbox.run({
      argv: ["curl", "-sS", "-m", "10", "http://example.test/hello"],
      workspace: ws,
      net: { mode: "proxy", socketPath },
    });
    expect(r.ok && r.value.stdout).toBe("via proxy\n");
    expect(seen).toContain("GET http://example.test/hello");
  });

  it.skipIf(!hasCurl)("hands the proxy token to HTTP clients as proxy credentials", async () => {
    const r = await sandbox.run({
      argv: ["curl", "-sS", "-m", "10", "http://example.test/auth"],
      workspace: ws,
      net: { mode: "proxy", socketPath, token: "tok3n" },
    });
    expect(r.ok && r.value.stdout).toBe("via proxy\n");
    expect(seen).toContain(`auth Basic ${Buffer.from("warden:tok3n").toString("base64")}`);
  });

  it("still has no direct route out in proxy mode", async () => {
    const r = await sandbox.run({
      argv: ["sh", "-c", "curl -sS -m 3 --noproxy '*' http://1.1.1.1/; getent hosts example.com"],
      workspace: ws,
      net: { mode: "proxy", socketPath },
    });
    expect(r.ok && r.value.exitCode).not.toBe(0);
    expect(r.ok && r.value.stdout).toBe("");
  });

  it("fails closed when the proxy socket is missing", async () => {
    const r = await sandbox.run({
      argv: ["true"],
      workspace: ws,
      net: { mode: "proxy", socketPath: join(dir.path, "nope.sock") },
    });
    expect(!r.ok && r.error.code).toBe("SANDBOX_UNAVAILABLE");
  });
});
