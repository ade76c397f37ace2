// A schedule's policy profile and the runs a restart left behind, in process with the real store, task table,
// TaskRunner, policy engine and approval queue: an added schedule keeps its profile (also in a database made before
// profiles existed), each run's actions carry it (so `when: {profile}` rules decide them), and a run left queued by
// the previous daemon goes on unattended under its schedule, counted as running.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { harness } from "../agent/harness.fake.js";
import { call, ScriptedModel } from "../agent/model.fake.js";
import { TaskRunner } from "../agent/runner.js";
import { Approvals } from "../approvals/index.js";
import { SqliteStore } from "../store/index.js";
import { SCHEDULES_MIGRATIONS } from "./schema.js";
import { ScheduleService } from "./service.js";
import { ScheduleStore } from "./store.js";

const POLICY = `
rules:
  - id: backup-runs-false
    effect: allow
    reason: the backup profile may run false
    match: { tool: exec, executable: "false", cwd: "\${workspace}/**" }
    when: { profile: backup }
  - id: false-asks
    effect: ask
    reason: false needs a human
    match: { tool: exec, executable: "false", cwd: "\${workspace}/**" }
    fallback: true
`;

describe("schedule profiles", () => {
  it("an added schedule keeps its profile, also in a database made before profiles existed", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "state.db");
    const old = SqliteStore.open(file);
    old.migrate("schedules", SCHEDULES_MIGRATIONS.slice(0, 1));
    old
      .prepare(
        "INSERT INTO schedules (name, cron, tz, prompt, workspace, approval_expiry_seconds, created_at) VALUES (?,?,?,?,?,?,?)",
      )
      .run("old", "0 8 * * *", null, "p", null, 120, new Date().toISOString());
    old.close();
    const store = SqliteStore.open(file);
    const schedules = ScheduleStore.open(store);
    expect(schedules.added()).toEqual([
      { name: "old", cron: "0 8 * * *", prompt: "p", approvalExpirySeconds: 120, source: "owner" },
    ]);
    expect(
      schedules.add(
        { name: "nightly", cron: "0 3 * * *", prompt: "p", approvalExpirySeconds: 60, profile: "backup" },
        new Date(),
      ),
    ).toBe(true);
    store.close();
    const again = ScheduleStore.open(SqliteStore.open(file));
    expect(again.added().find((s) => s.name === "nightly")?.profile).toBe("backup");
  });

  it("each run's actions carry the schedule's profile, set by the runtime; rules with when.profile decide them", async () => {
    await using dir = await tempDir();
    using h = await harness(dir.path, { policy: POLICY });
    const now = { t: Date.parse("2026-11-25T02:59:00Z") };
    const service = new ScheduleService({
      config: [
        {
          name: "nightly",
          cron: "0 3 * * *",
          tz: "UTC",
          prompt: "back up",
          approvalExpirySeconds: 5,
          profile: "backup",
        },
        { name: "plain", cron: "0 3 * * *", tz: "UTC", prompt: "look", approvalExpirySeconds: 1 },
      ],
      store: h.store,
      redactor: { redact: (t) => t },
      events: { publish: () => {} },
      audit: h.audit,
      clock: () => now.t,
    });
    const model = new ScriptedModel([], (req) => {
      const done = req.messages.some((m) => m.role === "tool");
      return done ? { content: "ok" } : { toolCalls: [call("exec", { argv: ["false"] })] };
    });
    const approvals = Approvals.open({ store: h.store, audit: h.audit });
    const runner = new TaskRunner({ ...h.deps(model), gate: service.gate(approvals) });
    service.start({
      create: (i) =>
        h.tasks.create({
          prompt: i.prompt,
          principal: "schedule",
          taint: "trusted",
          schedule: i.schedule,
          ...(i.profile ? { profile: i.profile } : {}),
        }),
      submit: (task, key) => runner.submit(task, { key }),
    });
    now.t = Date.parse("2026-11-25T03:00:00Z");
    service.scheduler.tick();
    await service.scheduler.idle();
    service.stop();

    const byPrompt = Object.fromEntries(h.tasks.list().map((t) => [t.prompt, t]));
    expect(byPrompt["back up"]).toMatchObject({ schedule: "nightly", profile: "backup", state: "done" });
    expect(byPrompt.look).toMatchObject({ schedule: "plain", profile: null, state: "done" });
    const decided = Object.fromEntries(h.decisions.map((d) => [d.action.task, d]));
    expect(decided[byPrompt["back up"]?.id ?? ""]?.decision).toMatchObject({
      effect: "allow",
      rule: "backup-runs-false",
    });
    expect(decided[byPrompt["back up"]?.id ?? ""]?.action).toMatchObject({ principal: "schedule", profile: "backup" });
    expect(decided[byPrompt.look?.id ?? ""]?.decision).toMatchObject({ effect: "ask", rule: "false-asks" });
    expect(decided[byPrompt.look?.id ?? ""]?.action.profile).toBeUndefined();
    const fired = h.audit.ofType("schedule.fired").map((e) => e.data);
    expect(fired).toContainEqual(expect.objectContaining({ schedule: "nightly", profile: "backup" }));
    approvals.close();
  });

  it("a run the previous daemon left queued goes on unattended, counted as its schedule's run", async () => {
    await using dir = await tempDir();
    using h = await harness(dir.path, { policy: POLICY });
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const service = new ScheduleService({
      config: [{ name: "plain", cron: "0 3 * * *", tz: "UTC", prompt: "look", approvalExpirySeconds: 1 }],
      store: h.store,
      redactor: { redact: (t) => t },
      events: { publish: (type, data = {}) => events.push({ type, data }) },
      audit: h.audit,
      clock: () => Date.parse("2026-11-25T03:00:30Z"),
    });
    // Left queued: created by the previous daemon, never started.
    const left = await h.tasks.create({ prompt: "look", principal: "schedule", taint: "trusted", schedule: "plain" });
    if (!left.ok) throw left.error;
    const approvals = Approvals.open({ store: h.store, audit: h.audit });
    const model = new ScriptedModel([{ toolCalls: [call("exec", { argv: ["false"] })] }, { content: "gave up" }]);
    const runner = new TaskRunner({ ...h.deps(model), gate: service.gate(approvals) });
    const keys: string[] = [];
    service.start(
      {
        create: () => {
          throw new Error("no new run expected");
        },
        submit: (task, key, resume) => {
          keys.push(`${key}${resume ? " resume" : ""}`);
          return runner.submit(task, { key });
        },
      },
      [{ task: left.value.id, schedule: "plain", waiting: false }],
    );
    expect(service.scheduler.isRunning("plain")).toBe(true);
    await service.scheduler.idle();
    service.stop();
    expect(keys).toEqual(["schedule:plain"]);
    expect(h.tasks.get(left.value.id)).toMatchObject({ state: "done", result: "gave up" });
    // Nobody watching: its request got the schedule's 1 s expiry, and the owner was told.
    const [asked] = approvals.list({ state: "all" });
    expect(asked).toMatchObject({ task: left.value.id, state: "expired" });
    expect(Date.parse(asked?.expiresAt ?? "") - Date.parse(asked?.requestedAt ?? "")).toBe(1000);
    expect(events.filter((e) => e.type === "schedule.notice").map((e) => e.data.kind)).toEqual(["approval_requested"]);
    approvals.close();
  });
});
