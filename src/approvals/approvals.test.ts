import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { AuditLog } from "../audit/index.js";
import { SqliteStore, type Store } from "../store/index.js";
import { Approvals, type ApprovalsDeps } from "./approvals.js";
import type { ApprovalEvent, Approver } from "./types.js";

const owner: Approver = { id: "owner", role: "owner", via: "cli" };
const alice: Approver = { id: "channel:telegram:42", role: "approver", via: "channel:telegram" };
const mallory: Approver = { id: "channel:telegram:666", role: "approver", via: "channel:telegram" };
const action = { tool: "exec", argv: ["git", "push"], cwd: "/w/t1", workspace: "/w/t1", task: "t1" };
const decision = { effect: "ask" as const, rule: "push-asks", reason: "pushing needs approval" };

const stores: Store[] = [];
const queues: Approvals[] = [];
afterEach(() => {
  for (const q of queues.splice(0)) q.close();
  for (const s of stores.splice(0)) s.close();
});

function setup(path = ":memory:", deps: Partial<ApprovalsDeps> = {}) {
  const store = SqliteStore.open(path);
  stores.push(store);
  const audit = AuditLog.open(store);
  const events: ApprovalEvent[] = [];
  const approvals = Approvals.open({
    store,
    audit,
    config: { approvers: [alice.id] },
    emit: (e) => events.push(e),
    ...deps,
  });
  queues.push(approvals);
  return { store, audit, approvals, events };
}

const types = (audit: AuditLog) => audit.tail(100).map((e) => e.type);

describe("Approvals: asking and answering", () => {
  it("persists a pending request, audits and emits it, and wakes the waiter on approval", async () => {
    const { audit, approvals, events } = setup();
    const req = approvals.request({ task: "t1", action, decision, actor: "agent:main" });
    expect(req).toMatchObject({ state: "pending", task: "t1", summary: "exec: git push", approvers: [alice.id] });
    expect(req.id).toMatch(/^ap_[a-z2-7]{16}$/);
    expect(approvals.list().map((a) => a.id)).toEqual([req.id]);
    const waiting = approvals.wait(req.id);
    const answered = approvals.answer(req.id, owner, { decision: "approve", scope: "once" });
    expect(answered).toMatchObject({ ok: true, value: { state: "approved", scope: "once", answeredBy: "owner" } });
    await expect(waiting).resolves.toMatchObject({ id: req.id, state: "approved", scope: "once" });
    expect(events.map((e) => e.type)).toEqual(["approval.requested", "approval.resolved"]);
    expect(types(audit)).toEqual(["approval.requested", "approval.resolved"]);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it("sends a denial's reason back, and refuses to run a denied action", async () => {
    const { approvals } = setup();
    const req = approvals.request({ task: "t1", action, decision });
    approvals.answer(req.id, alice, { decision: "deny", reason: "not on a Friday" });
    await expect(approvals.wait(req.id)).resolves.toMatchObject({ state: "denied", reason: "not on a Friday" });
    expect(approvals.consume(req.id, action, "agent:main")).toMatchObject({
      ok: false,
      error: { code: "APPROVAL_DENIED" },
    });
  });

  it("binds a one-time approval to one execution of exactly that action", () => {
    const { audit, approvals } = setup();
    const req = approvals.request({ task: "t1", action, decision });
    approvals.answer(req.id, owner, { decision: "approve" });
    const other = { ...action, argv: ["git", "push", "--force"] };
    expect(approvals.consume(req.id, other, "agent:main")).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    // The remaining budget is runtime context, not part of what was approved.
    expect(approvals.consume(req.id, { ...action, budget: { steps: 3 } }, "agent:main")).toMatchObject({ ok: true });
    expect(approvals.consume(req.id, action, "agent:main")).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    const refused = audit.tail(100).filter((e) => e.type === "approval.refused");
    expect(refused.map((e) => e.data.why)).toEqual(["binding_mismatch", "replay"]);
  });

  it("grants a task-scoped approval to identical actions of that task only, until the task ends", async () => {
    const { approvals } = setup();
    const first = approvals.request({ task: "t1", action, decision });
    approvals.answer(first.id, owner, { decision: "approve", scope: "task" });
    const again = approvals.request({ task: "t1", action, decision });
    expect(again).toMatchObject({ state: "approved", scope: "task", grantedBy: first.id });
    await expect(approvals.wait(again.id)).resolves.toMatchObject({ state: "approved" });
    expect(approvals.request({ task: "t1", action: { ...action, argv: ["git", "push", "-f"] }, decision }).state).toBe(
      "pending",
    );
    expect(approvals.request({ task: "t2", action, decision }).state).toBe("pending");
    approvals.endTask("t1", "warden");
    expect(approvals.request({ task: "t1", action, decision }).state).toBe("pending");
    expect(approvals.list({ task: "t1" })).toHaveLength(1);
  });

  it("cancels a pending request: the waiter hears it and a later answer changes nothing", async () => {
    const { approvals } = setup();
    const req = approvals.request({ task: "t1", action, decision });
    const waiting = approvals.wait(req.id);
    expect(approvals.endTask("t1", "owner", "halted")).toHaveLength(1);
    await expect(waiting).resolves.toMatchObject({ state: "cancelled", reason: "halted" });
    expect(approvals.answer(req.id, owner, { decision: "approve" })).toMatchObject({
      ok: false,
      error: { code: "CONFLICT" },
    });
    expect(approvals.get(req.id)?.state).toBe("cancelled");
  });
});

describe("Approvals: bad input", () => {
  it("refuses and audits forged ids, non-approvers and replayed answers, and changes nothing", () => {
    const { audit, approvals } = setup();
    const req = approvals.request({ task: "t1", action, decision });
    expect(approvals.answer("ap_' OR 1=1 --", owner, { decision: "approve" })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(approvals.answer("ap_aaaaaaaaaaaaaaaa", owner, { decision: "approve" })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(approvals.answer(req.id, mallory, { decision: "approve" })).toMatchObject({
      ok: false,
      error: { code: "UNAUTHORIZED" },
    });
    expect(approvals.get(req.id)?.state).toBe("pending");
    expect(approvals.answer(req.id, alice, { decision: "approve" }).ok).toBe(true);
    expect(approvals.answer(req.id, owner, { decision: "deny" })).toMatchObject({
      ok: false,
      error: { code: "CONFLICT" },
    });
    expect(approvals.get(req.id)).toMatchObject({ state: "approved", answeredBy: alice.id });
    const refused = audit.tail(100).filter((e) => e.type === "approval.refused");
    expect(refused.map((e) => [e.actor, e.data.why])).toEqual([
      ["owner", "malformed_id"],
      ["owner", "unknown_id"],
      [mallory.id, "not_approver"],
      ["owner", "already_resolved"],
    ]);
  });

  it("rejects a malformed answer, action or decision", () => {
    const { audit, approvals } = setup();
    const req = approvals.request({ task: "t1", action, decision });
    // @ts-expect-error: an unknown scope from an untrusted caller
    expect(approvals.answer(req.id, owner, { decision: "approve", scope: "forever" })).toMatchObject({
      ok: false,
      error: { code: "BAD_REQUEST" },
    });
    expect(approvals.answer(req.id, { id: "", role: "owner", via: "x" }, { decision: "approve" }).ok).toBe(false);
    const refused = audit.tail(10).filter((e) => e.type === "approval.refused");
    expect(refused.map((e) => e.data.why)).toEqual(["malformed_answer", "malformed_answer"]);
    // @ts-expect-error: a decision that is not a decision
    expect(() => approvals.request({ task: "t1", action, decision: { effect: "maybe" } })).toThrow(
      /malformed decision/,
    );
    expect(() => approvals.request({ task: "", action, decision })).toThrow(/malformed task/);
    expect(() => approvals.request({ task: "t", action, decision, approvers: [""] })).toThrow(/malformed approvers/);
    expect(approvals.get(req.id)?.state).toBe("pending");
    expect(approvals.list()).toHaveLength(1);
  });

  it("lets exactly one of two answers racing from two connections win", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "state.db");
    const a = setup(path);
    const b = setup(path);
    const req = a.approvals.request({ task: "t1", action, decision });
    const results = [
      a.approvals.answer(req.id, owner, { decision: "approve" }),
      b.approvals.answer(req.id, alice, { decision: "deny", reason: "no" }),
    ];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results[1]).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(a.approvals.get(req.id)).toMatchObject({ state: "approved", answeredBy: "owner" });
    expect(await a.audit.verify()).toMatchObject({ ok: true });
  });

  it("wakes a waiter when another process answers", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "state.db");
    const daemon = setup(path, { pollMs: 10 });
    const cli = setup(path);
    const req = daemon.approvals.request({ task: "t1", action, decision });
    const waiting = daemon.approvals.wait(req.id);
    expect(cli.approvals.answer(req.id, owner, { decision: "deny", reason: "from the cli" }).ok).toBe(true);
    await expect(waiting).resolves.toMatchObject({ state: "denied", reason: "from the cli" });
    expect(daemon.events.at(-1)).toMatchObject({ type: "approval.resolved", approval: { id: req.id } });
  });
});

describe("Approvals: expiry and restarts", () => {
  it("expires to a deny with reason 'expired', and an answer after that changes nothing", async () => {
    let now = 1_000_000;
    const { audit, approvals, events } = setup(":memory:", { clock: () => now });
    const late = approvals.request({ task: "t1", action, decision });
    const swept = approvals.request({ task: "t1", action, decision, expiresInMs: 1000 });
    const waiting = approvals.wait(swept.id);
    now += 2000;
    expect(approvals.sweep().map((a) => a.id)).toEqual([swept.id]);
    await expect(waiting).resolves.toMatchObject({ state: "expired", reason: "expired" });
    expect(approvals.answer(swept.id, owner, { decision: "approve" })).toMatchObject({
      ok: false,
      error: { code: "APPROVAL_EXPIRED" },
    });
    // Past its expiry but not swept yet: the answer finds it expired and expires it.
    now += 30 * 60_000;
    expect(approvals.answer(late.id, owner, { decision: "approve" })).toMatchObject({
      ok: false,
      error: { code: "APPROVAL_EXPIRED" },
    });
    expect(approvals.get(late.id)).toMatchObject({ state: "expired", reason: "expired" });
    expect(events.filter((e) => e.type === "approval.resolved")).toHaveLength(2);
    expect(types(audit).filter((t) => t === "approval.expired")).toHaveLength(2);
  });

  it("expires through its own timer", async () => {
    const { approvals } = setup();
    const req = approvals.request({ task: "t1", action, decision, expiresInMs: 20 });
    await expect(approvals.wait(req.id)).resolves.toMatchObject({ state: "expired", reason: "expired" });
  });

  it("keeps a pending request across a restart, and the new waiter resumes on the answer", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "state.db");
    const before = setup(path);
    const req = before.approvals.request({ task: "t1", action, decision });
    const stale = before.approvals.request({ task: "t1", action, decision, expiresInMs: 1 });
    const interrupted = before.approvals.wait(req.id);
    before.approvals.close();
    await expect(interrupted).rejects.toMatchObject({ code: "INTERRUPTED" });
    before.store.close();
    await new Promise((r) => setTimeout(r, 5));

    const after = setup(path);
    expect(after.approvals.get(stale.id)?.state).toBe("expired");
    expect(after.approvals.list().map((a) => a.id)).toEqual([req.id]);
    const waiting = after.approvals.wait(req.id);
    after.approvals.answer(req.id, owner, { decision: "approve" });
    await expect(waiting).resolves.toMatchObject({ state: "approved" });
  });
});

describe("approvalsConfigSchema", () => {
  it("fills defaults and refuses unknown keys", async () => {
    const { approvalsConfigSchema } = await import("./config.js");
    expect(approvalsConfigSchema.parse({})).toEqual({ expiryMinutes: 30, approvers: [], feedbackThreshold: 3 });
    expect(approvalsConfigSchema.safeParse({ expiry: 5 }).success).toBe(false);
  });
});
