import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ValueRedactor } from "../log/index.js";
import { SqliteStore } from "../store/index.js";
import { Questions, Tasks } from "../tasks/index.js";
import { harness } from "./harness.fake.js";
import { call, ScriptedModel, type ScriptStep } from "./model.fake.js";
import { TaskRunner } from "./runner.js";
import { askOwnerTool } from "./tools/ask.js";

const POLICY = `
rules:
  - id: ask-owner
    effect: allow
    reason: the agent may ask its owner
    match: { tool: ask_owner, to: owner }
`;

const WAIT = { timeout: 20_000 };
const until = async (f: () => boolean) => {
  while (!f()) await new Promise((r) => setTimeout(r, 10));
};

async function setup(dir: string, steps: ScriptStep[], expiryMs = 60_000) {
  const h = await harness(dir, { policy: POLICY });
  const questions = Questions.open({ store: h.store, redactor: new ValueRedactor(), expiryMs });
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const model = new ScriptedModel(steps);
  const tools = [askOwnerTool({ questions, publish: (type, data) => events.push({ type, data }) })];
  // One slot: the waiting task must give it back, or `other` below could never run.
  const runner = new TaskRunner({ ...h.deps(model), tools }, { maxConcurrent: 1 });
  const t = await h.tasks.create({ prompt: "ask me", principal: "owner" });
  if (!t.ok) throw t.error;
  return { h, questions, events, model, runner, task: t.value.id };
}

describe("ask_owner", () => {
  it("publishes the question, waits without a slot, and hands the owner's answer back as trusted", WAIT, async () => {
    await using dir = await tempDir();
    const s = await setup(dir.path, [
      { toolCalls: [call("ask_owner", { question: "Which branch?" })] },
      { content: "other done" }, // the other task's turn, while this one waits
      { content: "ok, main" },
    ]);
    using _h = s.h;
    const outcome = s.runner.submit(s.task);
    await until(() => s.events.length > 0);
    const [event] = s.events;
    expect(event?.type).toBe("task.question");
    expect(event?.data).toEqual({ task: s.task, question: expect.stringMatching(/^q_/), text: "Which branch?" });
    expect(s.h.tasks.get(s.task)?.state).toBe("waiting_approval");
    expect(s.runner.running).toEqual([s.task]);
    // The waiting task holds no slot: another task runs meanwhile.
    const other = await s.h.tasks.create({ prompt: "other", principal: "owner" });
    if (!other.ok) throw other.error;
    const otherEnd = await s.runner.submit(other.value.id);
    expect([otherEnd.state, otherEnd.text]).toEqual(["done", "other done"]);

    const answered = s.questions.answer(event?.data.question as string, { task: s.task, text: "main", by: "owner" });
    expect(answered.ok).toBe(true);
    const end = await outcome;
    expect([end.state, end.text, end.task.taint]).toEqual(["done", "ok, main", "trusted"]);
    const tool = s.model.requests.at(-1)?.messages.find((m) => m.role === "tool");
    expect(JSON.parse(tool?.content ?? "{}")).toEqual({ ok: true, question: event?.data.question, answer: "main" });
    s.questions.close();
  });

  it("gives the model 'no answer' when the question expires", WAIT, async () => {
    await using dir = await tempDir();
    const s = await setup(dir.path, [{ toolCalls: [call("ask_owner", { question: "Still there?" })] }], 50);
    using _h = s.h;
    const end = await s.runner.submit(s.task);
    expect(end.state).toBe("done");
    const tool = s.model.requests.at(-1)?.messages.find((m) => m.role === "tool");
    expect(JSON.parse(tool?.content ?? "{}")).toMatchObject({ ok: false, error: { code: "NO_ANSWER" } });
    expect(s.questions.list({ task: s.task }).map((q) => q.state)).toEqual(["expired"]);
    s.questions.close();
  });

  it("withdraws the question when the task is cancelled", WAIT, async () => {
    await using dir = await tempDir();
    const s = await setup(dir.path, [{ toolCalls: [call("ask_owner", { question: "?" })] }]);
    using _h = s.h;
    const outcome = s.runner.submit(s.task);
    await until(() => s.events.length > 0);
    s.runner.cancel(s.task);
    expect((await outcome).state).toBe("cancelled");
    expect(s.questions.list({ task: s.task }).map((q) => q.state)).toEqual(["cancelled"]);
    s.questions.close();
  });

  it("still waits after a restart, on the same question, and goes on once answered", WAIT, async () => {
    await using dir = await tempDir();
    const s = await setup(dir.path, [{ toolCalls: [call("ask_owner", { question: "Deploy?" })] }]);
    const first = s.runner.submit(s.task);
    await until(() => s.events.length > 0);
    const asked = s.events[0]?.data.question as string;
    // The first daemon stops: the waiting task is suspended, not cancelled, and its question stays open.
    await s.runner.shutdown();
    expect((await first).task.state).toBe("waiting_approval");
    expect(s.questions.get(asked)?.state).toBe("pending");
    expect(s.h.tasks.transcript(s.task).filter((m) => m.role === "tool")).toEqual([]);

    // A second daemon on the same database: the task still waits, on the same question.
    const store = SqliteStore.open(join(dir.path, "state.db"), { durability: "normal" });
    const redactor = new ValueRedactor();
    const tasks = Tasks.open({ store, redactor, workspacesRoot: join(dir.path, "workspaces") });
    expect(tasks.sweep()).toEqual([]);
    expect(tasks.get(s.task)?.state).toBe("waiting_approval");
    const questions = Questions.open({ store, redactor, expiryMs: 60_000 });
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const model = new ScriptedModel([{ content: "deployed" }]);
    const runner = new TaskRunner({
      ...s.h.deps(model),
      tasks,
      tools: [askOwnerTool({ questions, publish: (type, data) => events.push({ type, data }) })],
    });
    const resumed = runner.submit(s.task, { resume: true });
    await until(() => events.length > 0);
    expect(events[0]?.data).toEqual({ task: s.task, question: asked, text: "Deploy?" });
    expect(questions.answer(asked, { task: s.task, text: "yes", by: "owner" }).ok).toBe(true);
    const end = await resumed;
    expect([end.state, end.text]).toEqual(["done", "deployed"]);
    expect(questions.list({ task: s.task })).toHaveLength(1);
    const tool = model.requests[0]?.messages.find((m) => m.role === "tool");
    expect(JSON.parse(tool?.content ?? "{}")).toMatchObject({ ok: true, answer: "yes" });
    questions.close();
    s.questions.close();
    store.close();
    s.h.store.close();
  });

  it("a task waiting on an approval gives its slot back, and a stop suspends it", WAIT, async () => {
    await using dir = await tempDir();
    const h = await harness(dir.path, {
      policy: `
rules:
  - id: ask-exec
    effect: ask
    reason: a human decides
    match: { tool: exec }
`,
    });
    using _h = h;
    const model = new ScriptedModel([{ toolCalls: [call("exec", { argv: ["echo", "hi"] })] }], {
      content: "other done",
    });
    // One slot: the second task runs only because the first gives its slot back while a person decides.
    const runner = new TaskRunner(h.deps(model), { maxConcurrent: 1 });
    const waiting = await h.tasks.create({ prompt: "needs a yes", principal: "owner" });
    const other = await h.tasks.create({ prompt: "other", principal: "owner" });
    if (!waiting.ok || !other.ok) throw new Error("create failed");
    const a = runner.submit(waiting.value.id);
    const b = runner.submit(other.value.id);
    await until(() => h.gate.requests.length > 0);
    expect((await b).state).toBe("done");
    await runner.shutdown();
    expect((await a).task.state).toBe("waiting_approval");
    expect(h.gate.requests.map((r) => r.state)).toEqual(["pending"]);
  });
});
