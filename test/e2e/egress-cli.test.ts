// The daemon's egress proxy end to end: `warden sandbox exec --net proxy` reaches a host that policy allows, is
// refused one it does not, and both decisions are on the audit record. Without --net proxy nothing gets out.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
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
});
