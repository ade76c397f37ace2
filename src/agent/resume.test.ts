// A task left waiting_approval by a restart: the start-up sweep keeps it waiting, and resumeTask continues it from
// its transcript, waiting on the request made before the restart instead of asking again.
import { describe, expect, it, vi } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { harness } from "./harness.fake.js";
import { resumeTask } from "./loop.js";
import { call, ScriptedModel } from "./model.fake.js";

/** Generous: other suites share the machine's two cores. */
const WAIT = { timeout: 10_000 };

describe("resumeTask", () => {
  it("waits on the request made before the restart, runs the call once, and goes on", async () => {
    await using dir = await tempDir();
    using h = await harness(dir.path);
    const created = await h.tasks.create({ prompt: "check", principal: "owner" });
    if (!created.ok) throw created.error;
    const task = created.value;
    const pending = call("exec", { argv: ["false"] });
    const after = call("exec", { argv: ["echo", "later"] });
    // What the daemon left behind: the turn on record (flushed before the wait) and the request.
    h.tasks.transition(task.id, "running");
    h.tasks.append(task.id, [
      { role: "system", content: "sys" },
      { role: "user", content: "check" },
      { role: "assistant", content: "", toolCalls: [pending, after] },
    ]);
    h.tasks.transition(task.id, "waiting_approval");
    const action = {
      tool: "exec",
      argv: ["false"],
      cwd: task.workspace,
      task: task.id,
      agent: "main",
      principal: "owner",
      taint: "trusted",
      workspace: task.workspace,
      budget: {},
    };
    const asked = h.gate.request({
      task: task.id,
      action,
      decision: { effect: "ask", rule: "false-asks", reason: "r" },
    });
    expect(h.tasks.sweep()).toEqual([]);

    const model = new ScriptedModel([{ content: "resumed" }]);
    const pendingFor = (t: string) => h.gate.requests.filter((r) => r.task === t && r.state === "pending");
    const resumed = resumeTask({ ...h.deps(model), pendingApprovals: pendingFor }, task.id);
    await vi.waitFor(() => expect(h.tasks.get(task.id)?.state).toBe("waiting_approval"), WAIT);
    expect(h.sandbox.calls).toHaveLength(0);
    h.gate.settle(asked.id, "approved");
    const outcome = await resumed;
    expect(outcome).toMatchObject({ state: "done", text: "resumed" });
    expect(h.gate.requests).toHaveLength(1); // not asked twice
    expect(h.sandbox.calls.map((c) => c.spec.argv)).toEqual([["false"], ["echo", "later"]]);
    const sent = model.requests[0]?.messages ?? [];
    expect(sent.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "tool"]);
    expect(sent.slice(3).map((m) => m.toolCallId)).toEqual([pending.id, after.id]);
  });

  it("refuses a task that is not waiting", async () => {
    await using dir = await tempDir();
    using h = await harness(dir.path);
    const created = await h.tasks.create({ prompt: "x", principal: "owner" });
    if (!created.ok) throw created.error;
    const outcome = await resumeTask(h.deps(new ScriptedModel([])), created.value.id);
    expect(outcome.state).toBe("failed");
    expect(h.tasks.get(created.value.id)?.state).toBe("queued");
  });
});
