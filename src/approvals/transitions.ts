// State changes of one approval row that run inside the caller's transaction: insertion, expiry, consumption, and the audit
// record of a refusal. Each is a conditional UPDATE, so of two racing changes exactly one takes effect.
// Never commits on its own and never wakes waiters (the queue does that after commit).
import type { AuditSink } from "../audit/index.js";
import { err, ok, type Result, WardenError } from "../errors.js";
import type { Store } from "../store/index.js";
import { type Action, type Decision, feedbackKey } from "./adapter.js";
import { type ApprovalRow, toApproval } from "./rows.js";
import { type Approval, type Approver, approvalIdSchema } from "./types.js";

export interface NewRequest {
  id: string;
  task: string;
  action: Action;
  hash: string;
  decision: Decision;
  approvers: string[];
  now: number;
  expires: number;
  /** A task grant that answers it at once: the request is stored as approved (scope task). */
  grantedBy: string | null;
}

export function insertRequest(store: Store, r: NewRequest): void {
  const granted = r.grantedBy !== null;
  store
    .prepare(
      `INSERT INTO approvals (id, task, action, action_hash, feedback_key, decision, approvers, state, scope,
       answered_by, granted_by, requested_at, expires_at, resolved_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
    )
    .run(
      r.id,
      r.task,
      JSON.stringify(r.action),
      r.hash,
      feedbackKey(r.action),
      JSON.stringify(r.decision),
      JSON.stringify(r.approvers),
      granted ? "approved" : "pending",
      granted ? "task" : null,
      granted ? "grant" : null,
      r.grantedBy,
      r.now,
      r.expires,
      granted ? r.now : null,
    );
}

export function readRow(store: Store, id: string): ApprovalRow | undefined {
  return store.prepare("SELECT * FROM approvals WHERE id = ?").get(id) as ApprovalRow | undefined;
}

/** Audit a refused answer or use; the transaction still commits, so the refusal is on record. */
export function refuse(audit: AuditSink, id: string, who: Approver, why: string, error: WardenError): Result<never> {
  audit.appendSync({
    type: "approval.refused",
    actor: who.id,
    data: { approval: String(id).slice(0, 100), why, via: who.via, code: error.code },
  });
  return err(error);
}

/** pending -> expired with reason "expired", audited. Null if it was no longer pending. */
export function expireRow(store: Store, audit: AuditSink, row: ApprovalRow, now: number): Approval | null {
  const { changes } = store
    .prepare(
      `UPDATE approvals SET state = 'expired', reason = 'expired', answered_by = 'warden', resolved_at = ?
       WHERE id = ? AND state = 'pending'`,
    )
    .run(now, row.id);
  if (changes === 0) return null;
  audit.appendSync({
    type: "approval.expired",
    actor: "warden",
    task: row.task,
    data: { approval: row.id, state: "expired", reason: "expired", expires_at: new Date(row.expires_at).toISOString() },
  });
  return toApproval(readRow(store, row.id)!);
}

/** approved and unused, for exactly this action hash -> used. Anything else is refused and audited. */
export function consumeApproval(
  store: Store,
  audit: AuditSink,
  id: string,
  hash: string,
  actor: string,
  now: number,
): Result<Approval> {
  const who: Approver = { id: actor, role: "approver", via: "runtime" };
  const unknown = () => refuse(audit, id, who, "unknown_id", new WardenError("NOT_FOUND", "no such approval request"));
  if (!approvalIdSchema.safeParse(id).success) return unknown();
  const { changes } = store
    .prepare(
      "UPDATE approvals SET consumed_at = ? WHERE id = ? AND state = 'approved' AND consumed_at IS NULL AND action_hash = ?",
    )
    .run(now, id, hash);
  const row = readRow(store, id);
  if (!row) return unknown();
  if (changes === 0) {
    if (row.state !== "approved") {
      const code =
        row.state === "expired" ? "APPROVAL_EXPIRED" : row.state === "pending" ? "APPROVAL_PENDING" : "APPROVAL_DENIED";
      return refuse(
        audit,
        id,
        who,
        `not_approved:${row.state}`,
        new WardenError(code, `approval ${id} is ${row.state}`),
      );
    }
    if (row.action_hash !== hash) {
      return refuse(
        audit,
        id,
        who,
        "binding_mismatch",
        new WardenError("CONFLICT", `approval ${id} covers another action`),
      );
    }
    return refuse(audit, id, who, "replay", new WardenError("CONFLICT", `approval ${id} was already used`));
  }
  audit.appendSync({ type: "approval.consumed", actor, task: row.task, data: { approval: id, action_hash: hash } });
  return ok(toApproval(row));
}
