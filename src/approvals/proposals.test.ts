import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../audit/index.js";
import { SqliteStore, type Store } from "../store/index.js";
import { bindingHash, proposeRule, ruleDiff } from "./adapter.js";
import { Approvals } from "./approvals.js";
import type { ApprovalEvent, Approver } from "./types.js";

const owner: Approver = { id: "owner", role: "owner", via: "web" };
const alice: Approver = { id: "alice", role: "approver", via: "web" };
const decision = { effect: "ask" as const, rule: "r", reason: "asks" };
const inTask = (task: string) => ({
  tool: "exec",
  argv: ["make", "test"],
  cwd: `/home/o/ws/${task}`,
  workspace: `/home/o/ws/${task}`,
  task,
});

const stores: Store[] = [];
const queues: Approvals[] = [];
afterEach(() => {
  for (const q of queues.splice(0)) q.close();
  for (const s of stores.splice(0)) s.close();
});

function setup(feedbackThreshold = 3) {
  const store = SqliteStore.open(":memory:");
  stores.push(store);
  const audit = AuditLog.open(store);
  const events: ApprovalEvent[] = [];
  const approvals = Approvals.open({
    store,
    audit,
    config: { approvers: ["alice"], feedbackThreshold },
    emit: (e) => events.push(e),
  });
  queues.push(approvals);
  return { audit, approvals, events };
}

function approveOnce(approvals: Approvals, task: string) {
  const req = approvals.request({ task, action: inTask(task), decision });
  return approvals.answer(req.id, alice, { decision: "approve", scope: "once" });
}

describe("rule proposals", () => {
  it("turns 'approve always' into a proposed rule shown as a diff, never applied on its own", () => {
    const { audit, approvals, events } = setup();
    const req = approvals.request({ task: "t1", action: inTask("t1"), decision });
    approvals.answer(req.id, owner, { decision: "approve", scope: "always" });
    const [proposal] = approvals.proposals.list("proposed");
    expect(proposal).toMatchObject({ source: "always", approvalId: req.id, state: "proposed" });
    expect(proposal!.rule).toMatchObject({
      effect: "allow",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the policy language's own placeholder
      match: { tool: "exec", executable: "make", argv: ["test"], cwd: "${workspace}" },
    });
    expect(proposal!.diff.split("\n").every((l) => l.startsWith("+ "))).toBe(true);
    expect(proposal!.diff).toContain("effect: allow");
    expect(events.map((e) => e.type)).toContain("approval.rule_proposed");
    expect(audit.tail(10).map((e) => e.type)).toContain("approval.rule_proposed");
    // "always" also covers this task right away, as a task grant would.
    expect(approvals.request({ task: "t1", action: inTask("t1"), decision }).state).toBe("approved");
  });

  it("proposes a rule after N identical one-time approvals, across tasks, then counts afresh", () => {
    const { approvals } = setup(3);
    approveOnce(approvals, "a");
    approveOnce(approvals, "b");
    expect(approvals.proposals.list()).toEqual([]);
    approveOnce(approvals, "c");
    expect(approvals.proposals.list()).toHaveLength(1);
    expect(approvals.proposals.list()[0]).toMatchObject({ source: "feedback" });
    approveOnce(approvals, "d");
    approveOnce(approvals, "e");
    expect(approvals.proposals.list()).toHaveLength(1);
    approveOnce(approvals, "f");
    expect(approvals.proposals.list()).toHaveLength(2);
  });

  it("does not count different actions, denials, or threshold 0", () => {
    const { approvals } = setup(2);
    approveOnce(approvals, "a");
    const other = approvals.request({ task: "b", action: { ...inTask("b"), argv: ["make", "lint"] }, decision });
    approvals.answer(other.id, alice, { decision: "approve" });
    const denied = approvals.request({ task: "c", action: inTask("c"), decision });
    approvals.answer(denied.id, alice, { decision: "deny" });
    expect(approvals.proposals.list()).toEqual([]);
    const off = setup(0);
    for (const t of ["a", "b", "c"]) approveOnce(off.approvals, t);
    expect(off.approvals.proposals.list()).toEqual([]);
  });

  it("lets only the owner accept or dismiss, once", () => {
    const { audit, approvals } = setup(1);
    approveOnce(approvals, "a");
    const [p] = approvals.proposals.list();
    expect(approvals.proposals.answer(p!.id, alice, "accept")).toMatchObject({
      ok: false,
      error: { code: "UNAUTHORIZED" },
    });
    expect(approvals.proposals.answer(p!.id, owner, "accept")).toMatchObject({
      ok: true,
      value: { state: "accepted" },
    });
    expect(approvals.proposals.answer(p!.id, owner, "dismiss")).toMatchObject({
      ok: false,
      error: { code: "CONFLICT" },
    });
    expect(approvals.proposals.answer("rp_nope", owner, "dismiss")).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(audit.tail(20).filter((e) => e.type === "approval.refused")).toHaveLength(3);
  });
});

describe("action adapter", () => {
  it("binds every field except the remaining budget", () => {
    const a = inTask("t");
    expect(bindingHash({ ...a, budget: { steps: 1 } })).toBe(bindingHash(a));
    expect(bindingHash({ ...a, secrets: ["secret:GH"] })).not.toBe(bindingHash(a));
    expect(bindingHash({ ...a, cwd: "/elsewhere" })).not.toBe(bindingHash(a));
    const { cwd, ...rest } = a;
    expect(bindingHash({ cwd, ...rest })).toBe(bindingHash(a));
  });

  it("proposes no rule that would match more than was approved", () => {
    expect(proposeRule({ tool: "exec", argv: ["rm", "*.log"] }, "r", "why")).toBeNull();
    expect(proposeRule({ tool: "read_file", path: "/etc/{passwd,shadow}" }, "r", "why")).toBeNull();
    expect(proposeRule({ tool: "read_file", path: "/w/a.txt", workspace: "/w" }, "r", "why")).toMatchObject({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the policy language's own placeholder
      match: { path: "${workspace}/a.txt" },
    });
  });

  it("records that no rule was proposed for an 'always' on a glob-like action", () => {
    const { audit, approvals } = setup();
    const req = approvals.request({ task: "t1", action: { tool: "exec", argv: ["rm", "*.log"] }, decision });
    approvals.answer(req.id, owner, { decision: "approve", scope: "always" });
    expect(approvals.proposals.list()).toEqual([]);
    expect(audit.tail(5).map((e) => e.type)).toContain("approval.rule_not_proposed");
  });

  it("proposes a network rule from a URL, and renders it as added lines", () => {
    const rule = proposeRule({ tool: "http", method: "GET", url: "https://api.example.com:8443/v1/x" }, "r1", "why")!;
    expect(rule).toEqual({
      id: "r1",
      effect: "allow",
      reason: "why",
      match: { tool: "http", method: "GET", scheme: "https", host: "api.example.com", port: 8443, urlPath: "/v1/x" },
    });
    expect(ruleDiff(rule).split("\n")[0]).toBe("+   - id: r1");
  });
});
