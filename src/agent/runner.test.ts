import { describe, expect, it, vi } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ok } from "../errors.js";
import type { ChatRequest, ModelProvider } from "../models/index.js";
import { harness } from "./harness.fake.js";
import { call } from "./model.fake.js";
import { TaskRunner } from "./runner.js";

/** A model that holds each task (named by its prompt) until the test releases it; first turns may call a tool. */
class HeldModel implements ModelProvider {
  readonly id = "held";
  readonly started: string[] = [];
  private readonly held = new Map<string, () => void>();
  constructor(private readonly firstTurn: (name: string) => ReturnType<typeof call>[] = () => []) {}
  async chat(req: ChatRequest) {
    const name = req.messages[1]?.content ?? "";
    const first = !req.messages.some((m) => m.role === "assistant");
    if (first) this.started.push(name);
    const calls = first ? this.firstTurn(name) : [];
    if (calls.length === 0) {
      await new Promise<void>((resolve) => {
        this.held.set(name, resolve);
        req.signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    const usage = { promptTokens: 1, completionTokens: 1 };
    return ok({ content: name, toolCalls: calls, usage, finishReason: "stop" as const });
  }
  release(name: string) {
    this.held.get(name)?.();
  }
  async probe() {
    return ok({ models: ["held"] });
  }
}

async function setup(dir: string, model: ModelProvider) {
  const h = await harness(dir);
  const deps = h.deps(model);
  return { h, deps };
}

/** Generous: other suites share the machine's two cores. */
const WAIT = { timeout: 10_000 };

describe("TaskRunner", () => {
  it("serves senders in turn within the limits", async () => {
    await using dir = await tempDir();
    const model = new HeldModel();
    const { h, deps } = await setup(dir.path, model);
    using _h = h;
    const runner = new TaskRunner(deps, { maxConcurrent: 2, maxPerKey: 2 });
    const submit = async (name: string, key: string) => {
      const t = await h.tasks.create({ prompt: name, principal: "owner" });
      if (!t.ok) throw t.error;
      return { outcome: runner.submit(t.value.id, { key }) }; // wrapped: awaiting submit() itself waits for the end
    };
    const runs = [];
    for (const n of ["a1", "a2", "a3", "a4"]) runs.push((await submit(n, "alice")).outcome);
    for (const n of ["b1", "b2"]) runs.push((await submit(n, "bob")).outcome);
    await vi.waitFor(() => expect(model.started).toEqual(["a1", "a2"]), WAIT);
    expect(runner.queued).toHaveLength(4);
    for (const [release, next] of [
      ["a1", "b1"],
      ["a2", "a3"],
      ["b1", "b2"],
      ["a3", "a4"],
    ] as const) {
      model.release(release);
      await vi.waitFor(() => expect(model.started.at(-1)).toBe(next), WAIT);
      expect(runner.running.length).toBeLessThanOrEqual(2);
    }
    model.release("b2");
    model.release("a4");
    const outcomes = await Promise.all(runs);
    expect(outcomes.map((o) => o.state)).toEqual(["done", "done", "done", "done", "done", "done"]);
  });

  it("halt cancels queued and running tasks, pending approvals included, and kills the sandboxes", async () => {
    await using dir = await tempDir();
    const model = new HeldModel((name) => (name === "asks" ? [call("exec", { argv: ["false"] })] : []));
    const { h, deps } = await setup(dir.path, model);
    using _h = h;
    let killed = 0;
    // One slot: "asks" gives it back while it waits on the approval, "thinks" takes it, "waits" stays queued.
    const runner = new TaskRunner(deps, {
      maxConcurrent: 1,
      sandbox: {
        killAll: async () => {
          killed += 1;
        },
      },
    });
    const ids: string[] = [];
    const runs = [];
    for (const name of ["asks", "thinks", "waits"]) {
      const t = await h.tasks.create({ prompt: name, principal: "owner" });
      if (!t.ok) throw t.error;
      ids.push(t.value.id);
      runs.push(runner.submit(t.value.id));
    }
    await vi.waitFor(() => expect(h.gate.requests).toHaveLength(1), WAIT);
    await vi.waitFor(() => expect(model.started).toContain("thinks"), WAIT);
    expect(runner.queued).toEqual([ids[2]]);
    await runner.halt();
    const outcomes = await Promise.all(runs);
    expect(outcomes.map((o) => [o.state, o.task.state])).toEqual([
      ["cancelled", "cancelled"],
      ["cancelled", "cancelled"],
      ["cancelled", "cancelled"],
    ]);
    expect(h.gate.requests[0]?.state).toBe("cancelled");
    expect(h.sandbox.calls).toHaveLength(0);
    expect(killed).toBe(1);
    expect(model.started).not.toContain("waits");
  });
});
