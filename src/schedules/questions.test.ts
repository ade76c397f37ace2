// A scheduled run's ask_owner: nobody is watching, so its questions (and its sub-agents') get the schedule's short
// expiry and the owner is notified, as for its approval requests; other tasks' questions keep the usual wait.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ValueRedactor } from "../log/index.js";
import { SqliteStore } from "../store/index.js";
import { Questions, Tasks } from "../tasks/index.js";
import { ScheduleService } from "./service.js";

describe("ScheduleService.questions", () => {
  it("gives an unattended run's questions the schedule's expiry and a notice; others keep the usual one", async () => {
    await using dir = await tempDir();
    const store = SqliteStore.open(join(dir.path, "state.db"), { durability: "normal" });
    const redactor = new ValueRedactor();
    const tasks = Tasks.open({ store, redactor, workspacesRoot: join(dir.path, "ws") });
    const clock = { now: 1_000_000 };
    const questions = Questions.open({ store, redactor, expiryMs: 30 * 60_000, clock: () => clock.now });
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const audited: { type: string }[] = [];
    const service = new ScheduleService({
      config: [],
      store,
      redactor,
      events: { publish: (type, data = {}) => events.push({ type, data }) },
      audit: { append: async (e: { type: string }) => audited.push(e) } as never,
    });
    const create = async (principal: "owner" | "schedule", parent?: string) => {
      const t = await tasks.create({ prompt: "x", principal, ...(parent ? { parent } : {}) });
      if (!t.ok) throw t.error;
      return t.value.id;
    };
    const run = await create("schedule");
    const child = await create("schedule", run);
    const owners = await create("owner");
    service.unattended.add(run, { schedule: "nightly", expiryMs: 120_000 });
    const asked = service.questions(questions, (t) => tasks.get(t)?.parent ?? null);

    const fromRun = asked.ask({ task: run, call: "c1", text: "which branch?" });
    const fromChild = asked.ask({ task: child, call: "c1", text: "which file?" });
    const fromOwner = asked.ask({ task: owners, call: "c1", text: "ok?" });
    expect(fromRun.expiresAt - clock.now).toBe(120_000);
    expect(fromChild.expiresAt - clock.now).toBe(120_000);
    expect(fromOwner.expiresAt - clock.now).toBe(30 * 60_000);
    const notices = events.filter((e) => e.type === "schedule.notice").map((e) => e.data);
    expect(notices).toEqual([
      expect.objectContaining({ schedule: "nightly", task: run, kind: "question_asked", question: fromRun.id }),
      expect.objectContaining({ schedule: "nightly", task: child, kind: "question_asked", question: fromChild.id }),
    ]);
    questions.close();
    store.close();
  });
});
