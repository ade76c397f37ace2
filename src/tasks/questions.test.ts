import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ValueRedactor } from "../log/index.js";
import { SqliteStore } from "../store/index.js";
import { Questions, Tasks } from "./index.js";

async function setup(dir: string, clock: { now: number }) {
  const store = SqliteStore.open(join(dir, "state.db"), { durability: "normal" });
  const redactor = new ValueRedactor();
  redactor.add("TOKEN", "hunter2-very-secret");
  const tasks = Tasks.open({ store, redactor, workspacesRoot: join(dir, "ws") });
  const questions = Questions.open({ store, redactor, expiryMs: 60_000, clock: () => clock.now });
  const t = await tasks.create({ prompt: "x", principal: "owner" });
  if (!t.ok) throw t.error;
  return { store, tasks, questions, task: t.value.id };
}

describe("Questions", () => {
  it("asks once per call, stores the text redacted, and hands the answer to the waiter", async () => {
    await using dir = await tempDir();
    const clock = { now: 1_000 };
    const { store, questions, task } = await setup(dir.path, clock);
    const q = questions.ask({ task, call: "c1", text: "use hunter2-very-secret?" });
    expect(q.state).toBe("pending");
    expect(q.text).toBe("use [secret:TOKEN]?");
    expect(questions.ask({ task, call: "c1", text: "again" }).id).toBe(q.id);
    const waiting = questions.wait(q.id);
    const answered = questions.answer(q.id, { task, text: "yes", by: "owner" });
    expect(answered.ok).toBe(true);
    const got = await waiting;
    expect([got.state, got.answer, got.answeredBy]).toEqual(["answered", "yes", "owner"]);
    const twice = questions.answer(q.id, { task, text: "no", by: "owner" });
    expect(!twice.ok && twice.error.code).toBe("CONFLICT");
    questions.close();
    store.close();
  });

  it("refuses an answer for another task's question", async () => {
    await using dir = await tempDir();
    const { store, questions, task } = await setup(dir.path, { now: 1_000 });
    const q = questions.ask({ task, call: "c1", text: "?" });
    const wrong = questions.answer(q.id, { task: "t_other", text: "yes", by: "owner" });
    expect(!wrong.ok && wrong.error.code).toBe("NOT_FOUND");
    expect(questions.get(q.id)?.state).toBe("pending");
    questions.close();
    store.close();
  });

  it("expires an unanswered question, also one that ran out while Warden was down", async () => {
    await using dir = await tempDir();
    const clock = { now: 1_000 };
    const first = await setup(dir.path, clock);
    const q = first.questions.ask({ task: first.task, call: "c1", text: "?" });
    clock.now += 30_000;
    expect(first.questions.sweep()).toEqual([]);
    const waiting = first.questions.wait(q.id);
    clock.now += 31_000;
    const late = first.questions.answer(q.id, { task: first.task, text: "yes", by: "owner" });
    expect(!late.ok && late.error.code).toBe("APPROVAL_EXPIRED");
    expect((await waiting).state).toBe("expired");

    const again = first.questions.ask({ task: first.task, call: "c2", text: "?" });
    first.questions.close();
    first.store.close();
    clock.now += 120_000;
    const store = SqliteStore.open(join(dir.path, "state.db"), { durability: "normal" });
    const questions = Questions.open({
      store,
      redactor: new ValueRedactor(),
      expiryMs: 60_000,
      clock: () => clock.now,
    });
    expect(questions.get(again.id)?.state).toBe("expired");
    questions.close();
    store.close();
  });

  it("expires on its own timer and cancels a stopped task's questions", async () => {
    await using dir = await tempDir();
    const store = SqliteStore.open(join(dir.path, "state.db"), { durability: "normal" });
    const redactor = new ValueRedactor();
    const tasks = Tasks.open({ store, redactor, workspacesRoot: join(dir.path, "ws") });
    const questions = Questions.open({ store, redactor, expiryMs: 50 });
    const t = await tasks.create({ prompt: "x", principal: "owner" });
    if (!t.ok) throw t.error;
    const q = questions.ask({ task: t.value.id, call: "c1", text: "?" });
    expect((await questions.wait(q.id)).state).toBe("expired");
    const long = Questions.open({ store, redactor, expiryMs: 60_000 });
    const q2 = long.ask({ task: t.value.id, call: "c2", text: "?" });
    const waiting = long.wait(q2.id);
    long.cancelTask(t.value.id);
    expect((await waiting).state).toBe("cancelled");
    questions.close();
    long.close();
    store.close();
  });
});
