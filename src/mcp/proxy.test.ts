// A stdio MCP server with `net: proxy`: inside bubblewrap its only way out is the egress proxy (the real proxy on a
// unix socket, with a token), so its requests are decided by the egress policy; with `net: none` it has no route out
// at all. Skipped where bwrap cannot run.
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { type EgressProxy, startEgressProxy } from "../egress/index.js";
import { testEgress } from "../egress/setup.fake.js";
import { recordingUpstream, type Upstream } from "../egress/upstream.fake.js";
import { sandboxConfigSchema } from "../sandbox/index.js";
import { mcpConfigSchema, mcpServerSchema } from "./config.js";
import { McpConnection } from "./connection.js";
import {
  type LogLine,
  memoryLog,
  serverProcesses,
  TEST_SECRET,
  testSandbox,
  testServerConfig,
} from "./harness.fake.js";

const sandbox = testSandbox();
let usable = false;
let up: Upstream;
beforeAll(async () => {
  usable = (await sandbox.probe()).ok;
  up = await recordingUpstream();
  up.route("/hello", (_q, _b, res) => res.writeHead(200, { "content-type": "text/plain" }).end("hello from upstream"));
});
afterAll(async () => {
  await sandbox.killAll();
  await up[Symbol.asyncDispose]();
});

async function connect(
  dir: string,
  net: "none" | "proxy",
  proxy: { socketPath: string; token: string },
  env: Record<string, string> = {},
) {
  const marker = `marker-${Math.random().toString(36).slice(2)}`;
  const logs: LogLine[] = [];
  const { servers: _none, ...limits } = mcpConfigSchema.parse({});
  const connection = new McpConnection("net", mcpServerSchema.parse(testServerConfig("normal", marker, { net, env })), {
    sandbox,
    sandboxConfig: sandboxConfigSchema.parse({}),
    limits,
    secret: async () => TEST_SECRET,
    proxy: () => proxy,
    scratchParent: dir,
    ...(process.getuid?.() === 0 ? { owner: { uid: 65534, gid: 65534 } } : {}),
    redact: (t) => t,
    log: memoryLog(logs),
  });
  return { connection, marker };
}

describe("MCP server network", () => {
  it("net: proxy reaches an allowed host only through the egress proxy; net: none has no route", async (t) => {
    if (!usable) t.skip();
    await using dir = await tempDir();
    await chmod(dir.path, 0o711);
    const sockDir = join(dir.path, "egress");
    await mkdir(sockDir);
    await chmod(sockDir, 0o711);
    const egress = testEgress({
      config: { allowAddresses: ["127.0.0.1"] },
      names: { "up.test": "127.0.0.1" },
      decide: (q) =>
        q.host === "up.test"
          ? { verdict: "allow", reason: "the upstream", rule: "up" }
          : { verdict: "deny", reason: "not that one", rule: "other" },
    });
    const token = "proxy-token-for-the-test-123";
    const proxy: EgressProxy = await startEgressProxy(egress.deps, {
      socketPath: join(sockDir, "egress.sock"),
      socketMode: 0o666,
      token,
    });
    try {
      const withProxy = await connect(dir.path, "proxy", { socketPath: proxy.socketPath as string, token });
      const ready = await withProxy.connection.ensure();
      if (!ready.ok) throw new Error(ready.reason);
      const fetchTool = ready.tools.find((x) => x.remote === "fetch")!;
      const signal = new AbortController().signal;
      const allowed = await withProxy.connection.call(fetchTool, { url: `http://up.test:${up.port}/hello` }, signal);
      expect(allowed).toMatchObject({ ok: true, value: { text: "status 200: hello from upstream" } });
      const denied = await withProxy.connection.call(fetchTool, { url: `http://other.test:${up.port}/hello` }, signal);
      expect(denied).toMatchObject({ ok: true, value: { text: expect.stringMatching(/^status 403/) } });
      expect(egress.queries.map((q) => q.host)).toEqual(["up.test", "other.test"]);
      await withProxy.connection.stop();
      expect(serverProcesses(withProxy.marker)).toEqual([]);

      // Without the proxy, even a proxy setting pointing straight at the upstream's port finds nothing: the
      // sandbox's own loopback is empty.
      const before = up.requests.length;
      const noNet = await connect(
        dir.path,
        "none",
        { socketPath: proxy.socketPath as string, token },
        {
          HTTP_PROXY: `http://127.0.0.1:${up.port}`,
        },
      );
      const ready2 = await noNet.connection.ensure();
      if (!ready2.ok) throw new Error(ready2.reason);
      const out = await noNet.connection.call(fetchTool, { url: `http://up.test:${up.port}/hello` }, signal);
      expect(out).toMatchObject({ ok: true, value: { text: "error: ECONNREFUSED" } });
      expect(up.requests.length).toBe(before);
      expect(egress.queries).toHaveLength(2);
      await noNet.connection.stop();
    } finally {
      await proxy.close();
    }
  });
});
