// A fake ApprovalGate for the agent runtime's tests: answers each request by a script (approve, deny, or leave it
// pending until the test answers it), keeps the one-execution binding, and records what it was asked.
import { err, ok, type Result, WardenError } from "../errors.js";
import { type Action, bindingHash, describeAction } from "./adapter.js";
import type { RequestInput } from "./approvals.js";
import type { ApprovalGate } from "./gate.js";
import { newId } from "./rows.js";
import type { Approval, Resolution } from "./types.js";

export type Script = (input: RequestInput) => { state: "approved" | "denied"; reason?: string } | "pending";

export class ScriptedApprovalGate implements ApprovalGate {
  readonly requests: Approval[] = [];
  private readonly waiting = new Map<string, (r: Resolution) => void>();

  constructor(private readonly script: Script = () => "pending") {}

  request(input: RequestInput): Approval {
    const now = new Date().toISOString();
    const answer = this.script(input);
    const approval: Approval = {
      id: newId("ap"),
      task: input.task,
      action: input.action,
      actionHash: bindingHash(input.action),
      summary: describeAction(input.action),
      decision: input.decision,
      approvers: input.approvers ?? [],
      state: answer === "pending" ? "pending" : answer.state,
      scope: answer !== "pending" && answer.state === "approved" ? "once" : null,
      reason: answer === "pending" ? null : (answer.reason ?? null),
      answeredBy: answer === "pending" ? null : "script",
      grantedBy: null,
      requestedAt: now,
      expiresAt: now,
      resolvedAt: answer === "pending" ? null : now,
      consumedAt: null,
    };
    this.requests.push(approval);
    return approval;
  }

  /** Answer a pending request from the test. */
  settle(id: string, state: "approved" | "denied" | "expired" | "cancelled", reason: string | null = null): void {
    const a = this.requests.find((r) => r.id === id && r.state === "pending");
    if (!a) throw new Error(`no pending request ${id}`);
    Object.assign(a, { state, reason, scope: state === "approved" ? "once" : null, answeredBy: "test" });
    this.waiting.get(id)?.(resolutionOf(a));
    this.waiting.delete(id);
  }

  wait(id: string): Promise<Resolution> {
    const a = this.requests.find((r) => r.id === id);
    if (!a) return Promise.reject(new WardenError("NOT_FOUND", "no such approval request"));
    if (a.state !== "pending") return Promise.resolve(resolutionOf(a));
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  consume(id: string, action: Action, _actor: string): Result<Approval> {
    const a = this.requests.find((r) => r.id === id);
    if (!a) return err(new WardenError("NOT_FOUND", "no such approval request"));
    if (a.state !== "approved") return err(new WardenError("APPROVAL_DENIED", `approval ${id} is ${a.state}`));
    if (a.actionHash !== bindingHash(action)) return err(new WardenError("CONFLICT", "covers another action"));
    if (a.consumedAt) return err(new WardenError("CONFLICT", "already used"));
    a.consumedAt = new Date().toISOString();
    return ok(a);
  }

  endTask(task: string, _actor: string, reason = "task ended"): Approval[] {
    const pending = this.requests.filter((r) => r.task === task && r.state === "pending");
    for (const a of pending) this.settle(a.id, "cancelled", reason);
    return pending;
  }
}

function resolutionOf(a: Approval): Resolution {
  return {
    id: a.id,
    state: a.state === "pending" ? "expired" : a.state,
    scope: a.scope,
    reason: a.reason,
    answeredBy: a.answeredBy,
  };
}
