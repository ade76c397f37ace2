import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ok } from "../errors.js";
import type { ChatRequest, ModelProvider } from "../models/index.js";
import type { Grant } from "../policy/index.js";
import { harness, TEST_POLICY } from "./harness.fake.js";
import { call, ScriptedModel, type ScriptStep } from "./model.fake.js";
import { TaskRunner } from "./runner.js";
import { builtinTools } from "./tools/index.js";
import type { SubAgentLimits } from "./tools/subagent.js";

const POLICY = `${TEST_POLICY}
  - id: sub-agents
    effect: allow
    reason: sub-agents are fine in these tests
    match: { tool: spawn_agent }
`;

/** One model for every task, answering each task (told apart by its prompt) from its own script. */
class RoutedModel implements ModelProvider {
  readonly id = "routed";
  readonly byPrompt = new Map<string, ScriptedModel>();
  constructor(scripts: Record<string, ScriptStep[]>) {
    for (const [prompt, steps] of Object.entries(scripts)) this.byPrompt.set(prompt, new ScriptedModel(steps));
  }
  chat(req: ChatRequest, onText?: (d: string) => void) {
    const prompt = req.messages[1]?.content ?? "";
    const m = this.byPrompt.get(prompt);
    if (!m) throw new Error(`no script for ${prompt}`);
    return m.chat(req, onText);
  }
  async probe() {
    return ok({ models: ["routed"] });
  }
  /** The parsed tool results the task with this prompt saw last. */
  results(prompt: string): Record<string, unknown>[] {
    const reqs = this.byPrompt.get(prompt)?.requests ?? [];
    return (reqs.at(-1)?.messages ?? []).filter((m) => m.role === "tool").map((m) => JSON.parse(m.content));
  }
}

/** A step that waits until the task is stopped, then answers (the model call is aborted). */
const hold: ScriptStep = (req) =>
  new Promise((resolve) =>
    req.signal?.addEventListener("abort", () => resolve({ content: "stopped" }), { once: true }),
  );

async function setup(
  dir: string,
  model: ModelProvider,
  opts: { limits?: Partial<SubAgentLimits>; maxConcurrent?: number; maxPerKey?: number } = {},
) {
  const h = await harness(dir, { policy: POLICY });
  let runner: TaskRunner | undefined;
  const tools = builtinTools({
    sandbox: h.sandbox,
    subagents: {
      tasks: h.tasks,
      runChild: (parent, child, signal) => (runner as TaskRunner).runChild(parent, child, signal),
      ...(opts.limits ? { limits: opts.limits } : {}),
    },
  });
  runner = new TaskRunner(
    { ...h.deps(model), tools },
    { maxConcurrent: opts.maxConcurrent ?? 4, maxPerKey: opts.maxPerKey ?? 2 },
  );
  const start = async (prompt: string, extra: { grants?: Grant[]; budget?: { steps?: number } } = {}) => {
    const t = await h.tasks.create({ prompt, principal: "owner", ...extra });
    if (!t.ok) throw t.error;
    return { id: t.value.id, outcome: (runner as TaskRunner).submit(t.value.id) };
  };
  return { h, runner, start };
}

const WAIT = { timeout: 20_000 };

describe("spawn_agent", () => {
  it("runs a child that reports back; its usage counts in the parent's", WAIT, async () => {
    await using dir = await tempDir();
    const model = new RoutedModel({
      parent: [{ toolCalls: [call("spawn_agent", { task: "child" })] }, { content: "parent done" }],
      child: [{ content: "the answer is 42" }],
    });
    const { h, start } = await setup(dir.path, model);
    using _h = h;
    const p = await start("parent");
    const outcome = await p.outcome;
    expect(outcome.state).toBe("done");
    const [result] = model.results("parent");
    expect(result).toMatchObject({ ok: true, state: "done", answer: "the answer is 42" });
    expect(result?.untrusted).toBeUndefined();
    const child = h.tasks.get(result?.task as string);
    expect([child?.parent, child?.state, child?.principal, child?.agent]).toEqual([
      p.id,
      "done",
      "owner",
      "sub-agent-1",
    ]);
    expect(child?.workspace).not.toBe(outcome.task.workspace);
    // The parent's usage: 2 model turns and 1 step of its own, 1 turn of the child's (15 tokens per turn).
    expect(outcome.task.usage.tokens).toBe(45);
    expect(outcome.task.usage.steps).toBe(1);
  });

  it("a scheduled run's sub-agent works under the run's profile, set by the runtime", WAIT, async () => {
    await using dir = await tempDir();
    const model = new RoutedModel({
      run: [{ toolCalls: [call("spawn_agent", { task: "child" })] }, { content: "run done" }],
      child: [{ toolCalls: [call("exec", { argv: ["echo", "hi"] })] }, { content: "child done" }],
    });
    const { h, runner } = await setup(dir.path, model);
    using _h = h;
    const t = await h.tasks.create({ prompt: "run", principal: "schedule", schedule: "nightly", profile: "backup" });
    if (!t.ok) throw t.error;
    expect((await runner.submit(t.value.id)).state).toBe("done");
    const [result] = model.results("run");
    const child = h.tasks.get(result?.task as string);
    expect(child).toMatchObject({ principal: "schedule", profile: "backup", schedule: null, state: "done" });
    const echo = h.decisions.find((d) => d.action.task === child?.id && d.action.tool === "exec");
    expect(echo?.action).toMatchObject({ principal: "schedule", profile: "backup" });
    expect(h.decisions.find((d) => d.action.tool === "spawn_agent")?.action.profile).toBe("backup");
  });

  it("denies grants wider than the parent's (attenuation) and gives an allowed grant to the child", WAIT, async () => {
    await using dir = await tempDir();
    const narrow = { match: { tool: "exec", executable: "false" } };
    const model = new RoutedModel({
      root: [{ toolCalls: [call("spawn_agent", { task: "nope", grants: [narrow] })] }, { content: "ok" }],
      parent: [
        { toolCalls: [call("spawn_agent", { task: "wide", grants: [{ match: { tool: "exec" } }] })] },
        { toolCalls: [call("spawn_agent", { task: "child", grants: [narrow] })] },
        { content: "ok" },
      ],
      child: [{ toolCalls: [call("exec", { argv: ["false"] })] }, { content: "ran false" }],
    });
    const { h, start } = await setup(dir.path, model);
    using _h = h;
    // A task holding no grants cannot hand any out.
    const root = await start("root");
    await root.outcome;
    expect(model.results("root")[0]).toMatchObject({
      ok: false,
      error: { code: "POLICY_DENIED", rule: "attenuation" },
    });
    expect(h.tasks.list({ parent: root.id })).toEqual([]);

    const held: Grant = { id: "may-fail", task: "x", match: { tool: "exec", executable: "false" } };
    const parent = await start("parent", { grants: [held] });
    await parent.outcome;
    const [wide, allowed] = model.results("parent");
    expect(wide).toMatchObject({ ok: false, error: { code: "POLICY_DENIED", rule: "attenuation" } });
    expect(allowed).toMatchObject({ ok: true, state: "done", answer: "ran false" });
    const child = h.tasks.list({ parent: parent.id });
    expect(child).toHaveLength(1);
    expect(h.tasks.grants(child[0]?.id as string)).toEqual([
      { id: "g1", task: child[0]?.id, match: { tool: "exec", executable: "false" } },
    ]);
    // `false` asks by rule; the child's grant answers the ask (no human was asked).
    const childDecision = h.decisions.find((d) => d.action.task === child[0]?.id && d.action.tool === "exec");
    expect(childDecision?.decision.rule).toBe("grant:g1");
    expect(childDecision?.decision.effect).toBe("allow");
    expect(h.gate.requests).toEqual([]);
  });

  it("inherits the parent's taint, and an untrusted child's answer taints its parent", WAIT, async () => {
    await using dir = await tempDir();
    const model = new RoutedModel({
      tainted: [
        { toolCalls: [call("exec", { argv: ["echo", "web page"] })] },
        { toolCalls: [call("spawn_agent", { task: "after-taint" })] },
        { content: "ok" },
      ],
      "after-taint": [{ content: "fine" }],
      clean: [{ toolCalls: [call("spawn_agent", { task: "reader" })] }, { content: "ok" }],
      reader: [{ toolCalls: [call("exec", { argv: ["cat", "x"] })] }, { content: "what the file said" }],
    });
    const { h, start } = await setup(dir.path, model);
    using _h = h;
    const tainted = await start("tainted");
    await tainted.outcome;
    const [first] = h.tasks.list({ parent: tainted.id });
    expect(first?.taint).toBe("untrusted");

    const clean = await start("clean");
    const end = await clean.outcome;
    const [reader] = h.tasks.list({ parent: clean.id });
    expect(reader?.taint).toBe("untrusted");
    expect(model.results("clean")[0]).toMatchObject({ ok: true, untrusted: true, answer: "what the file said" });
    expect(end.task.taint).toBe("untrusted");
  });

  it("stops at the depth and children limits", WAIT, async () => {
    await using dir = await tempDir();
    const model = new RoutedModel({
      parent: [
        { toolCalls: [call("spawn_agent", { task: "child" })] },
        { toolCalls: [call("spawn_agent", { task: "child2" })] },
        { content: "ok" },
      ],
      child: [{ toolCalls: [call("spawn_agent", { task: "grandchild" })] }, { content: "child done" }],
      child2: [{ content: "never" }],
      grandchild: [{ content: "never" }],
    });
    const { h, start } = await setup(dir.path, model, { limits: { maxDepth: 1, maxChildren: 1 } });
    using _h = h;
    const p = await start("parent");
    await p.outcome;
    expect(model.results("child")[0]).toMatchObject({ ok: false, error: { code: "SUBAGENT_LIMIT" } });
    expect(model.results("parent")[1]).toMatchObject({ ok: false, error: { code: "SUBAGENT_LIMIT" } });
    expect(h.tasks.list({ parent: p.id })).toHaveLength(1);
  });

  it("caps the child's budget by what the parent has left", WAIT, async () => {
    await using dir = await tempDir();
    const model = new RoutedModel({
      parent: [
        { toolCalls: [call("spawn_agent", { task: "child", budget: { steps: 0.5 } })] },
        { toolCalls: [call("spawn_agent", { task: "child", budget: { steps: 100 } })] },
        { content: "ok" },
      ],
      child: [{ content: "fine" }],
    });
    const { h, start } = await setup(dir.path, model);
    using _h = h;
    const p = await start("parent", { budget: { steps: 5 } });
    await p.outcome;
    expect(model.results("parent")[0]).toMatchObject({ ok: false, error: { code: "INVALID_ARGUMENTS" } });
    const [child] = h.tasks.list({ parent: p.id });
    // 5 steps, 2 spent on the two calls: 3 left to give.
    expect(child?.budget.steps).toBe(3);
  });

  it("never deadlocks with one slot: a grandchild, a child and another sender's task all finish", WAIT, async () => {
    await using dir = await tempDir();
    const model = new RoutedModel({
      parent: [{ toolCalls: [call("spawn_agent", { task: "child" })] }, { content: "parent done" }],
      child: [{ toolCalls: [call("spawn_agent", { task: "grandchild" })] }, { content: "child done" }],
      grandchild: [{ content: "grandchild done" }],
      other: [{ content: "other done" }],
    });
    const { h, start, runner } = await setup(dir.path, model, { maxConcurrent: 1, maxPerKey: 1 });
    using _h = h;
    const p = await start("parent");
    const other = await start("other");
    const [a, b] = await Promise.all([p.outcome, other.outcome]);
    expect([a.state, a.text, b.state]).toEqual(["done", "parent done", "done"]);
    expect(model.results("child")[0]).toMatchObject({ answer: "grandchild done" });
    expect([runner.running, runner.queued]).toEqual([[], []]);
  });

  it("halt and cancel stop the whole tree", WAIT, async () => {
    await using dir = await tempDir();
    const model = new RoutedModel({
      parent: [{ toolCalls: [call("spawn_agent", { task: "child" })] }, { content: "parent done" }],
      child: [{ toolCalls: [call("spawn_agent", { task: "grandchild" })] }, { content: "child done" }],
      grandchild: [hold],
      p2: [{ toolCalls: [call("spawn_agent", { task: "c2" })] }, { content: "p2 done" }],
      c2: [hold],
    });
    const { h, start, runner } = await setup(dir.path, model);
    using _h = h;
    const until = async (f: () => boolean) => {
      while (!f()) await new Promise((r) => setTimeout(r, 10));
    };
    const p2 = await start("p2");
    await until(() => (model.byPrompt.get("c2")?.requests.length ?? 0) > 0);
    expect(runner.cancel(p2.id)).toBe(true);
    expect((await p2.outcome).state).toBe("cancelled");
    expect(h.tasks.list({ parent: p2.id }).map((t) => t.state)).toEqual(["cancelled"]);

    const p = await start("parent");
    await until(() => (model.byPrompt.get("grandchild")?.requests.length ?? 0) > 0);
    await runner.halt("halted by the owner");
    expect((await p.outcome).state).toBe("cancelled");
    const [child] = h.tasks.list({ parent: p.id });
    const [grandchild] = h.tasks.list({ parent: child?.id as string });
    expect([child?.state, grandchild?.state]).toEqual(["cancelled", "cancelled"]);
    expect([runner.running, runner.queued]).toEqual([[], []]);
  });
});
