// The manager over real servers in bubblewrap: a task sees the same tool objects while a listing holds, a disabled
// server offers nothing and starts nothing, a server that cannot start leaves the others usable, and the guard
// consults the servers' read-only marks. Skipped where bwrap cannot run.
import { chmod } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { compilePolicyTexts } from "../policy/index.js";
import { sandboxConfigSchema } from "../sandbox/index.js";
import { mcpConfigSchema } from "./config.js";
import { memoryLog, serverProcesses, testSandbox, testServerConfig } from "./harness.fake.js";
import { McpManager } from "./manager.js";

let usable = false;
beforeAll(async () => {
  usable = (await testSandbox().probe()).ok;
});

describe("McpManager", () => {
  it("keeps tool objects while a listing holds; a disabled or broken server leaves the others usable", async (t) => {
    if (!usable) t.skip();
    await using dir = await tempDir();
    await chmod(dir.path, 0o711);
    const sandbox = testSandbox();
    const marker = `marker-${Math.random().toString(36).slice(2)}`;
    const config = mcpConfigSchema.parse({
      servers: {
        good: testServerConfig("normal", marker),
        off: { ...testServerConfig("normal", `${marker}-off`), enabled: false },
        broken: testServerConfig("exit-at-start", `${marker}-broken`),
      },
    });
    const manager = new McpManager(config, {
      sandbox,
      sandboxConfig: sandboxConfigSchema.parse({}),
      secret: async () => undefined,
      scratchParent: dir.path,
      ...(process.getuid?.() === 0 ? { owner: { uid: 65534, gid: 65534 } } : {}),
      redact: (s) => s,
      log: memoryLog([]),
    });
    try {
      expect(manager.tools()).toEqual([]);
      await manager.prepare();
      const states = Object.fromEntries(manager.status().map((s) => [s.name, s.state]));
      expect(states).toEqual({ good: "ready", off: "disabled", broken: "failed" });
      expect(serverProcesses(`${marker}-off`)).toEqual([]);
      const first = manager.tools();
      expect(first.map((x) => x.name)).toContain("mcp.good.echo");
      expect(first.every((x) => x.name.startsWith("mcp.good."))).toBe(true);
      expect(manager.tools()).toEqual(first);
      expect(manager.tools()[0]).toBe(first[0]);

      const policy = compilePolicyTexts({
        "p.yaml": `rules:\n  - { id: all, effect: allow, reason: r, match: { tool: "mcp.good.*" } }\n`,
      });
      if (!policy.ok) throw policy.error;
      // The tool's Action carries its server's read-only mark; the engine alone decides from it.
      const decide = (tool: string) => {
        const action = manager
          .tools()
          .find((x) => x.name === tool)
          ?.action({}, "/ws");
        if (!action) throw new Error(`no tool ${tool}`);
        return policy.value.decide(action).effect;
      };
      expect(decide("mcp.good.echo")).toBe("allow");
      expect(decide("mcp.good.wipe")).toBe("ask");
      expect(decide("mcp.good.rename")).toBe("ask");
    } finally {
      await manager.stop();
      await sandbox.killAll();
    }
    expect(serverProcesses(marker)).toEqual([]);
  });
});
