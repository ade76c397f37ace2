// Tasks left behind by a daemon that stopped (or crashed), picked up by the next one against the same SQLite file:
// queued tasks run again in the order they were asked for, under the fair queue; running ones are interrupted and
// never re-run; queued sub-agents are interrupted (only their parent's call runs them).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ScriptedApprovalGate } from "../approvals/gate.fake.js";
import { ExecutionJournal } from "../audit/index.js";
import { MemoryAuditSink } from "../audit/sink.fake.js";
import { ok } from "../errors.js";
import { ValueRedactor } from "../log/index.js";
import type { ChatRequest, ModelProvider } from "../models/index.js";
import { compilePolicyTexts } from "../policy/index.js";
import { SqliteStore } from "../store/index.js";
import { Tasks } from "../tasks/index.js";
import type { AgentDeps } from "./loop.js";
import { leftoverTasks } from "./restart.js";
import { TaskRunner } from "./runner.js";

/** Answers each task with its prompt; `hold` keeps the named tasks' first turn open until the run is stopped. */
class OrderModel implements ModelProvider {
  readonly id = "order";
  readonly started: string[] = [];
  constructor(private readonly hold: ReadonlySet<string> = new Set()) {}
  async chat(req: ChatRequest) {
    const name = req.messages.find((m) => m.role === "user")?.content ?? "";
    this.started.push(name);
    if (this.hold.has(name))
      await new Promise<void>((resolve) => req.signal?.addEventListener("abort", () => resolve(), { once: true }));
    return ok({
      content: `did ${name}`,
      toolCalls: [],
      usage: { promptTokens: 1, completionTokens: 1 },
      finishReason: "stop" as const,
    });
  }
  async probe() {
    return ok({ models: ["order"] });
  }
}

/** One "daemon": the real store on `dir/state.db`, the real task table and runner. */
function daemon(dir: string, model: ModelProvider, limits = { maxConcurrent: 1, maxPerKey: 1 }) {
  const store = SqliteStore.open(join(dir, "state.db"), { durability: "normal" });
  const redactor = new ValueRedactor();
  const tasks = Tasks.open({ store, redactor, workspacesRoot: join(dir, "workspaces") });
  const policy = compilePolicyTexts({});
  if (!policy.ok) throw policy.error;
  const audit = new MemoryAuditSink();
  const deps: AgentDeps = {
    model,
    tasks,
    tools: [],
    decide: (a, c) => policy.value.decide(a, c),
    gate: new ScriptedApprovalGate(),
    audit,
    journal: ExecutionJournal.open(store, audit),
    redactor,
  };
  return { store, tasks, runner: new TaskRunner(deps, limits) };
}

const WAIT = { timeout: 15_000 };

describe("after a restart", () => {
  it(
    "a stop keeps tasks that never started queued, and the next daemon runs them in order, senders in turn",
    WAIT,
    async () => {
      await using dir = await tempDir();
      const first = new OrderModel(new Set(["a1"]));
      const d1 = daemon(dir.path, first);
      const ids: Record<string, string> = {};
      const outcomes = [];
      for (const [name, principal, schedule] of [
        ["a1", "owner", null],
        ["a2", "owner", null],
        ["a3", "owner", null],
        ["s1", "schedule", "nightly"],
        ["p1", "paired", null],
      ] as const) {
        const t = await d1.tasks.create({ prompt: name, principal, ...(schedule ? { schedule } : {}) });
        if (!t.ok) throw t.error;
        ids[name] = t.value.id;
        outcomes.push(d1.runner.submit(t.value.id, schedule ? { key: `schedule:${schedule}` } : {}));
      }
      await expect.poll(() => first.started).toEqual(["a1"]);
      await d1.runner.shutdown("Warden stopped");
      const ended = await Promise.all(outcomes);
      // The one that ran was stopped (interrupted, never re-run); the others never started and say so, still queued.
      expect(ended.map((o) => [o.task.prompt, o.task.state])).toEqual([
        ["a1", "interrupted"],
        ["a2", "queued"],
        ["a3", "queued"],
        ["s1", "queued"],
        ["p1", "queued"],
      ]);
      expect(ended[1]?.text).toMatch(/^suspended: Warden stopped before this task started/);
      d1.store.close();

      const second = new OrderModel();
      const d2 = daemon(dir.path, second);
      expect(d2.tasks.sweep()).toEqual([]);
      const left = leftoverTasks(d2.tasks);
      expect(left.waiting).toEqual([]);
      expect(left.queued.map((t) => t.prompt)).toEqual(["a2", "a3", "s1", "p1"]);
      expect(left.queued.find((t) => t.prompt === "s1")?.schedule).toBe("nightly");
      const runs = left.queued.map((t) => d2.runner.submit(t.id, t.schedule ? { key: `schedule:${t.schedule}` } : {}));
      const done = await Promise.all(runs);
      expect(done.map((o) => o.state)).toEqual(["done", "done", "done", "done"]);
      expect(d2.tasks.get(ids.a2 as string)?.result).toBe("did a2");
      // One at a time, senders in turn: the owner's second task waits for the schedule's and the paired user's.
      expect(second.started).toEqual(["a2", "s1", "p1", "a3"]);
      expect(d2.tasks.get(ids.a1 as string)).toMatchObject({
        state: "interrupted",
        result: "Warden stopped while this task was running",
      });
      d2.store.close();
    },
  );

  it(
    "after a crash: running tasks are interrupted and reported, queued ones run, queued sub-agents do not",
    WAIT,
    async () => {
      await using dir = await tempDir();
      const d1 = daemon(dir.path, new OrderModel());
      const make = async (prompt: string, parent?: string) => {
        const t = await d1.tasks.create({ prompt, principal: "owner", ...(parent ? { parent } : {}) });
        if (!t.ok) throw t.error;
        return t.value.id;
      };
      const running = await make("was running");
      const child = await make("its queued sub-agent", running);
      const q1 = await make("queued first");
      const q2 = await make("queued second");
      expect(d1.tasks.transition(running, "running").ok).toBe(true);
      d1.store.close(); // no shutdown: the process died here

      const model = new OrderModel();
      const d2 = daemon(dir.path, model, { maxConcurrent: 4, maxPerKey: 4 });
      const swept = d2.tasks.sweep();
      expect(swept.map((t) => [t.id, t.state]).sort()).toEqual(
        [
          [running, "interrupted"],
          [child, "interrupted"],
        ].sort(),
      );
      const left = leftoverTasks(d2.tasks);
      expect(left.queued.map((t) => t.id)).toEqual([q1, q2]);
      await Promise.all(left.queued.map((t) => d2.runner.submit(t.id)));
      expect(model.started).toEqual(["queued first", "queued second"]);
      expect(d2.tasks.get(running)?.state).toBe("interrupted");
      expect(d2.tasks.get(q2)?.state).toBe("done");
      d2.store.close();
    },
  );
});
