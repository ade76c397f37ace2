// A scheduled run end to end in process: the real scheduler, task table, TaskRunner, policy engine and approval
// queue (SQLite), a scripted model. The run is a task of the principal `schedule` queued under schedule:<name>; its
// approval request expires to deny after the schedule's short expiry, the owner is notified (event + audit), and the
// model gets the denial. An owner's task through the same gate keeps the normal expiry.
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { harness } from "../agent/harness.fake.js";
import { call, ScriptedModel } from "../agent/model.fake.js";
import { TaskRunner } from "../agent/runner.js";
import { ScriptedApprovalGate } from "../approvals/gate.fake.js";
import { Approvals, type RequestInput } from "../approvals/index.js";
import { err, WardenError } from "../errors.js";
import { ScheduleService } from "./service.js";
import { UnattendedTasks } from "./unattended.js";

describe("ScheduleService", () => {
  it("runs a schedule unattended: asks expire to deny quickly and the owner is told", async () => {
    await using dir = await tempDir();
    using h = await harness(dir.path);
    const approvals = Approvals.open({ store: h.store, audit: h.audit });
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const now = { t: Date.parse("2026-11-25T02:59:00Z") };
    const service = new ScheduleService({
      config: [{ name: "nightly", cron: "0 3 * * *", tz: "UTC", prompt: "check the build", approvalExpirySeconds: 1 }],
      store: h.store,
      redactor: { redact: (t) => t },
      events: { publish: (type, data = {}) => events.push({ type, data }) },
      audit: h.audit,
      clock: () => now.t,
    });
    const model = new ScriptedModel([{ toolCalls: [call("exec", { argv: ["false"] })] }, { content: "gave up" }]);
    const runner = new TaskRunner({ ...h.deps(model), gate: service.gate(approvals) });
    const keys: string[] = [];
    service.start({
      create: (i) => h.tasks.create({ prompt: i.prompt, principal: "schedule", taint: "trusted" }),
      submit: (task, key) => {
        keys.push(key);
        return runner.submit(task, { key });
      },
    });
    now.t = Date.parse("2026-11-25T03:00:00Z");
    service.scheduler.tick();
    await service.scheduler.idle();
    service.stop();

    expect(keys).toEqual(["schedule:nightly"]);
    const [task] = h.tasks.list();
    expect(task).toMatchObject({ principal: "schedule", state: "done", result: "gave up", prompt: "check the build" });
    const [asked] = approvals.list({ state: "all" });
    expect(asked).toMatchObject({ task: task?.id, state: "expired" });
    const waited = Date.parse(asked?.expiresAt ?? "") - Date.parse(asked?.requestedAt ?? "");
    expect(waited).toBe(1000);
    expect(JSON.stringify(model.requests.at(-1)?.messages)).toContain("APPROVAL_EXPIRED");
    const notice = events.find((e) => e.type === "schedule.notice");
    expect(notice?.data).toMatchObject({
      schedule: "nightly",
      task: task?.id,
      kind: "approval_requested",
      approval: asked?.id,
    });
    expect(events.map((e) => e.type)).toContain("schedule.run");
    expect(h.audit.ofType("schedule.fired")[0]?.data).toMatchObject({ schedule: "nightly", missed: false });
    expect(h.audit.ofType("schedule.notice").map((e) => e.data.kind)).toEqual(["approval_requested"]);
    // The policy saw who asked.
    expect(h.decisions.at(-1)?.action.principal).toBe("schedule");
    approvals.close();
  });

  it("leaves the owner's own requests at the normal expiry and says when a run could not start", async () => {
    await using dir = await tempDir();
    using h = await harness(dir.path);
    const approvals = Approvals.open({ store: h.store, audit: h.audit, config: { expiryMinutes: 30 } });
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const now = { t: Date.parse("2026-11-25T02:59:00Z") };
    const service = new ScheduleService({
      config: [{ name: "nightly", cron: "0 3 * * *", tz: "UTC", prompt: "p", approvalExpirySeconds: 1 }],
      store: h.store,
      redactor: { redact: (t) => t },
      events: { publish: (type, data = {}) => events.push({ type, data }) },
      audit: h.audit,
      clock: () => now.t,
    });
    const gate = service.gate(approvals);
    const asked = gate.request({
      task: "t_owner",
      action: { tool: "exec", argv: ["false"] },
      decision: { effect: "ask", rule: "r", reason: "why" },
    });
    expect(Date.parse(asked.expiresAt) - Date.parse(asked.requestedAt)).toBe(30 * 60_000);
    service.start({
      create: async () => err(new WardenError("BAD_REQUEST", "the workspace is gone")),
      submit: async () => ({ state: "done", text: "" }),
    });
    now.t = Date.parse("2026-11-25T03:00:00Z");
    service.scheduler.tick();
    await service.scheduler.idle();
    service.stop();
    expect(events.find((e) => e.type === "schedule.notice")?.data).toMatchObject({
      kind: "not_started",
      text: expect.stringContaining("the workspace is gone"),
    });
    approvals.close();
  });
});

describe("UnattendedTasks", () => {
  it("applies a run's short expiry to its sub-agents' requests too, and to nobody else's", () => {
    const seen: { task: string; expiresInMs: number | undefined }[] = [];
    class Recording extends ScriptedApprovalGate {
      override request(input: RequestInput) {
        seen.push({ task: input.task, expiresInMs: input.expiresInMs });
        return super.request(input);
      }
    }
    const recording = new Recording();
    const runs = new UnattendedTasks();
    runs.add("t_run", { schedule: "nightly", expiryMs: 5000 });
    const parents: Record<string, string | null> = { t_child: "t_run", t_grandchild: "t_child", t_other: null };
    const asked: string[] = [];
    const gate = runs.gate(
      recording,
      (a) => asked.push(a.task),
      (t) => parents[t] ?? null,
    );
    const decision = { effect: "ask" as const, rule: "r", reason: "why" };
    for (const task of ["t_run", "t_grandchild", "t_other"])
      gate.request({ task, action: { tool: "exec", argv: ["false"] }, decision });
    expect(seen).toEqual([
      { task: "t_run", expiresInMs: 5000 },
      { task: "t_grandchild", expiresInMs: 5000 },
      { task: "t_other", expiresInMs: undefined },
    ]);
    expect(asked).toEqual(["t_run", "t_grandchild"]);
  });
});
