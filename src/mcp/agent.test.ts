// MCP tools in the agent loop, end to end below the daemon: a scripted model calls tools of a real MCP server running
// in bubblewrap. An exact allow rule runs mcp.test.echo; a broad allow asks for a destructive tool and for one with
// no annotations; a deny rule refuses; invalid arguments never reach the server; a result holding a secret value is
// redacted before the model sees it; and after any MCP result the task is untrusted. Skipped where bwrap cannot run.
import { chmod } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { harness, SECRET } from "../agent/harness.fake.js";
import { call } from "../agent/model.fake.js";
import { builtinTools } from "../agent/tools/index.js";
import { type Action, compilePolicyTexts } from "../policy/index.js";
import { DEFAULT_PROFILE, profileLimits } from "../sandbox/index.js";
import { FakeSandbox } from "../sandbox/sandbox.fake.js";
import { serverProcesses, TEST_SECRET, testManager, testSandbox } from "./harness.fake.js";

const POLICY = `
rules:
  - id: echo-exactly
    effect: allow
    reason: echo is harmless
    match: { tool: mcp.test.echo, secrets: [LEAK_TOKEN] }
  - id: leak-exactly
    effect: allow
    reason: allowed for the test
    match: { tool: mcp.test.leak, secrets: [LEAK_TOKEN] }
  - id: test-server
    effect: allow
    reason: the test server
    match: { tool: "mcp.test.*", secrets: [LEAK_TOKEN] }
  - id: never-rename
    effect: deny
    reason: renaming is refused
    match: { tool: mcp.test.rename }
`;

let usable = false;
beforeAll(async () => {
  usable = (await testSandbox().probe()).ok;
});
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

async function setup(t: { skip(): void }, gate: "approve" | "deny" = "deny") {
  if (!usable) t.skip();
  const dir = await tempDir();
  await chmod(dir.path, 0o711);
  const m = testManager(dir.path, "normal");
  cleanup.push(async () => {
    await m.manager.stop();
    await m.sandbox.killAll();
  });
  await m.manager.prepare();
  expect(m.manager.status()[0]?.state).toBe("ready");
  const policy = compilePolicyTexts({ "mcp.yaml": POLICY });
  if (!policy.ok) throw policy.error;
  m.redactor.add("API_KEY", SECRET);
  const h = await harness(dir.path, {
    gate: () => (gate === "approve" ? { state: "approved" } : { state: "denied", reason: "not today" }),
    agent: {
      tools: [...builtinTools({ sandbox: new FakeSandbox(profileLimits(DEFAULT_PROFILE)) }), ...m.manager.tools()],
      decide: (a, c) => policy.value.decide(a, c),
      redactor: m.redactor,
    },
  });
  return {
    ...m,
    h,
    policy: policy.value,
    async [Symbol.asyncDispose]() {
      h[Symbol.dispose]();
      await m.manager.stop();
      await dir[Symbol.asyncDispose]();
    },
  };
}

describe("MCP tools in the agent loop", () => {
  it("an exact rule runs mcp.test.echo; the model sees the JSON Schema; the task becomes untrusted", async (t) => {
    await using s = await setup(t);
    const { model, outcome } = await s.h.run([
      { toolCalls: [call("mcp.test.echo", { text: "hi there" })] },
      { content: "the server said hi" },
    ]);
    expect(outcome.state).toBe("done");
    const spec = model.requests[0]?.tools?.find((x) => x.name === "mcp.test.echo");
    expect(spec?.parameters).toMatchObject({
      type: "object",
      properties: { text: { type: "string", maxLength: 1000 } },
    });
    expect(spec?.description).toContain("[MCP server test]");
    expect(s.h.results(model)[0]).toMatchObject({ ok: true, untrusted: true, text: "echo: hi there" });
    expect(outcome.task.taint).toBe("untrusted");
    const decided = s.h.audit.events.find((e) => e.type === "policy.decision");
    expect(decided?.data).toMatchObject({
      effect: "allow",
      rule: "echo-exactly",
      action: { tool: "mcp.test.echo", args: { text: "hi there" }, secrets: ["LEAK_TOKEN"] },
    });
  });

  it("a destructive tool asks under a broad rule; a deny rule refuses", async (t) => {
    await using s = await setup(t, "deny");
    const { model, outcome } = await s.h.run([
      {
        toolCalls: [call("mcp.test.wipe", { target: "everything" }), call("mcp.test.rename", { from: "a", to: "b" })],
      },
      { content: "ok" },
    ]);
    expect(outcome.state).toBe("done");
    const [wipe, rename] = s.h.results(model);
    expect(wipe).toMatchObject({ ok: false, error: { code: "APPROVAL_DENIED", rule: "test-server" } });
    expect(rename).toMatchObject({ ok: false, error: { code: "POLICY_DENIED", rule: "never-rename" } });
    expect(s.h.gate.requests).toHaveLength(1);
    expect(s.h.gate.requests[0]?.decision.reason).toContain("not marked read-only by its server");
    // Nothing ran on the server: the task read nothing from it.
    expect(outcome.task.taint).toBe("trusted");
    // `warden policy check` (and simulate) on the recorded action give the run's decision and reason: the read-only
    // mark travels in the Action, and the engine alone decides.
    const recorded = s.h.audit.events.filter((e) => e.type === "policy.decision");
    expect(recorded.map((e) => e.data.effect)).toEqual(["ask", "deny"]);
    for (const e of recorded) {
      const again = s.policy.decide(e.data.action as Action);
      expect({ effect: again.effect, rule: again.rule, reason: again.reason }).toEqual({
        effect: e.data.effect,
        rule: e.data.rule,
        reason: e.data.reason,
      });
    }
  });

  it("an approved destructive call runs", async (t) => {
    await using s = await setup(t, "approve");
    const { model } = await s.h.run([{ toolCalls: [call("mcp.test.wipe", { target: "tmp" })] }, { content: "ok" }]);
    expect(s.h.results(model)[0]).toMatchObject({ ok: true, text: "wiped tmp" });
  });

  it("arguments that do not fit the server's schema never reach it", async (t) => {
    await using s = await setup(t);
    const { model } = await s.h.run([
      { toolCalls: [call("mcp.test.echo", { text: 42 }), call("mcp.test.echo", { text: "x".repeat(1001) })] },
      { content: "ok" },
    ]);
    const results = s.h.results(model);
    expect(results.map((r) => r.error?.code)).toEqual(["INVALID_ARGUMENTS", "INVALID_ARGUMENTS"]);
    expect(s.h.audit.events.some((e) => e.type === "policy.decision")).toBe(false);
  });

  it("a secret value in a result is redacted before the model sees it", async (t) => {
    await using s = await setup(t);
    const { model, transcript } = await s.h.run([{ toolCalls: [call("mcp.test.leak", {})] }, { content: "ok" }]);
    const result = s.h.results(model)[0];
    expect(result).toMatchObject({ ok: true, text: "the value is [secret:LEAK_TOKEN]" });
    expect(JSON.stringify(model.requests)).not.toContain(TEST_SECRET);
    expect(JSON.stringify(transcript)).not.toContain(TEST_SECRET);
  });

  it("halt kills the server; the next call starts it again", async (t) => {
    await using s = await setup(t);
    expect(serverProcesses(s.marker).length).toBeGreaterThan(0);
    await s.manager.halt("halted by the owner");
    expect(serverProcesses(s.marker)).toEqual([]);
    expect(s.manager.status()[0]).toMatchObject({ state: "stopped", reason: "halted by the owner" });
    const { model } = await s.h.run([{ toolCalls: [call("mcp.test.echo", { text: "again" })] }, { content: "ok" }]);
    expect(s.h.results(model)[0]).toMatchObject({ ok: true, text: "echo: again" });
  });
});
