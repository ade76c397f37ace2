// The loop against the real approval queue and the real audit log (SQLite): an ask is persisted, answered through
// Approvals.answer, consumed once, and the whole run leaves a hash chain that verifies.
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { Approvals } from "../approvals/index.js";
import { AuditLog, ExecutionJournal } from "../audit/index.js";
import { ValueRedactor } from "../log/index.js";
import { compilePolicyTexts } from "../policy/index.js";
import { DEFAULT_PROFILE, profileLimits } from "../sandbox/index.js";
import { FakeSandbox } from "../sandbox/sandbox.fake.js";
import { SqliteStore } from "../store/index.js";
import { Tasks } from "../tasks/index.js";
import { runTask } from "./loop.js";
import { call, ScriptedModel } from "./model.fake.js";
import { builtinTools } from "./tools/index.js";

const POLICY = `
rules:
  - { id: echo-asks, effect: ask, reason: echo needs a human, match: { tool: exec, executable: echo } }
`;

/** Generous: other suites share the machine's two cores. */
const WAIT = { timeout: 10_000 };

describe("agent loop with the real approval queue and audit log", () => {
  it("waits on a persisted request, runs once approved, and the audit chain verifies", async () => {
    await using dir = await tempDir();
    const store = SqliteStore.open(join(dir.path, "state.db"), { durability: "normal" });
    const redactor = new ValueRedactor();
    const audit = AuditLog.open(store, { redactor });
    const journal = ExecutionJournal.open(store, audit);
    const gate = Approvals.open({ store, audit, pollMs: 10 });
    const tasks = Tasks.open({ store, redactor, workspacesRoot: join(dir.path, "ws") });
    const policy = compilePolicyTexts({ "p.yaml": POLICY });
    if (!policy.ok) throw policy.error;
    const sandbox = new FakeSandbox(profileLimits(DEFAULT_PROFILE));
    const model = new ScriptedModel([
      { toolCalls: [call("exec", { argv: ["echo", "one"] })] },
      { toolCalls: [call("exec", { argv: ["echo", "two"] })] },
    ]);
    const task = await tasks.create({ prompt: "say it", principal: "owner" });
    if (!task.ok) throw task.error;
    const deps = { model, tasks, tools: builtinTools({ sandbox }), gate, audit, journal, redactor };
    const running = runTask({ ...deps, decide: (a) => policy.value.decide(a) }, task.value.id);
    const owner = { id: "owner", role: "owner" as const, via: "test" };
    const pending = async () => {
      await vi.waitFor(() => expect(gate.list({ state: "pending" })).toHaveLength(1), WAIT);
      return gate.list({ state: "pending" })[0]?.id as string;
    };
    const first = await pending();
    expect(tasks.get(task.value.id)?.state).toBe("waiting_approval");
    expect(gate.answer(first, owner, { decision: "approve" }).ok).toBe(true);
    const second = await pending();
    expect(gate.answer(second, owner, { decision: "deny", reason: "enough" }).ok).toBe(true);
    const outcome = await running;
    expect(outcome.state).toBe("done");
    expect(sandbox.calls.map((c) => c.spec.argv)).toEqual([["echo", "one"]]);
    const tool = model.requests
      .at(-1)
      ?.messages.filter((m) => m.role === "tool")
      .map((m) => JSON.parse(m.content));
    expect(tool?.[1]).toMatchObject({ ok: false, error: { code: "APPROVAL_DENIED", reason: "enough" } });
    const types = [...audit.export({ task: task.value.id })].map((e) => e.type);
    for (const t of ["tool.proposed", "policy.decision", "approval.requested", "approval.consumed", "exec.start"])
      expect(types).toContain(t);
    expect((await audit.verify()).ok).toBe(true);
    gate.close();
    await audit.close();
    store.close();
  });
});
