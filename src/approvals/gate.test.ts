import { afterEach, describe, expect, it } from "vitest";
import { MemoryAuditSink } from "../audit/sink.fake.js";
import { SqliteStore, type Store } from "../store/index.js";
import { Approvals } from "./approvals.js";
import { ScriptedApprovalGate } from "./gate.fake.js";
import { type ApprovalGate, awaitApproval } from "./gate.js";

const action = { tool: "exec", argv: ["rm", "-r", "build"], cwd: "/w" };
const decision = { effect: "ask" as const, rule: "rm-asks", reason: "deleting asks" };
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

// The same contract for the real queue (answered by the owner) and the fake (answered by its script).
const implementations: Record<string, (verdict: "approve" | "deny") => ApprovalGate> = {
  sqlite: (verdict) => {
    const store = SqliteStore.open(":memory:");
    stores.push(store);
    const approvals = Approvals.open({ store, audit: new MemoryAuditSink() });
    const request = approvals.request.bind(approvals);
    // The owner answers each request as soon as it is asked.
    approvals.request = (input) => {
      const a = request(input);
      const answer =
        verdict === "approve" ? { decision: "approve" as const } : { decision: "deny" as const, reason: "no" };
      approvals.answer(a.id, { id: "owner", role: "owner", via: "test" }, answer);
      return a;
    };
    return approvals;
  },
  fake: (verdict) =>
    new ScriptedApprovalGate(() => (verdict === "approve" ? { state: "approved" } : { state: "denied", reason: "no" })),
};

for (const [name, make] of Object.entries(implementations)) {
  describe(`ApprovalGate contract: ${name}`, () => {
    it("lets an approved action run once, exactly as approved", async () => {
      const gate = make("approve");
      const a = gate.request({ task: "t", action, decision });
      await expect(gate.wait(a.id)).resolves.toMatchObject({ state: "approved" });
      expect(gate.consume(a.id, { ...action, argv: ["rm", "-rf", "/"] }, "agent").ok).toBe(false);
      expect(gate.consume(a.id, action, "agent").ok).toBe(true);
      expect(gate.consume(a.id, action, "agent").ok).toBe(false);
    });

    it("hands a denial and its reason back, and refuses to run it", async () => {
      const gate = make("deny");
      const a = gate.request({ task: "t", action, decision });
      await expect(gate.wait(a.id)).resolves.toMatchObject({ state: "denied", reason: "no" });
      expect(gate.consume(a.id, action, "agent")).toMatchObject({ ok: false, error: { code: "APPROVAL_DENIED" } });
    });

    it("gives every request its own id", () => {
      const gate = make("approve");
      const ids = new Set([1, 2, 3].map(() => gate.request({ task: "t", action, decision }).id));
      expect(ids.size).toBe(3);
    });

    it("runs the whole path with awaitApproval", async () => {
      expect(await awaitApproval(make("approve"), { task: "t", action, decision }, "agent")).toMatchObject({
        ok: true,
        value: { state: "approved" },
      });
      expect(await awaitApproval(make("deny"), { task: "t", action, decision }, "agent")).toMatchObject({
        ok: false,
        error: { code: "APPROVAL_DENIED", details: { data: { reason: "no" } } },
      });
    });

    it("rejects waiting on an unknown id", async () => {
      await expect(make("approve").wait("ap_zzzzzzzzzzzzzzzz")).rejects.toMatchObject({ code: "NOT_FOUND" });
    });
  });
}
