// The approval queue: requests persisted in SQLite, answered once (the first valid answer wins, atomically in one
// conditional UPDATE), expired to deny, and awaited by the task that asked, also across a restart. Every state
// change and every refused answer is written to the audit log in the same transaction as the change itself.
// Never runs an action and never edits policy: it only says yes, no, or not yet.
import type { AuditSink } from "../audit/index.js";
import { err, ok, type Result, WardenError } from "../errors.js";
import type { Store } from "../store/index.js";
import { type Action, actionSchema, bindingHash, type Decision, decisionSchema } from "./adapter.js";
import { APPROVALS_DEFAULTS, type ApprovalsConfig } from "./config.js";
import type { ApprovalGate } from "./gate.js";
import { RuleProposals } from "./proposals.js";
import { type ApprovalRow, approverIdsSchema, newId, parse, resolution, taskSchema, toApproval } from "./rows.js";
import { APPROVALS_MIGRATIONS } from "./schema.js";
import { consumeApproval, expireRow, insertRequest, readRow, refuse } from "./transitions.js";
import {
  type Answer,
  type Approval,
  type ApprovalEvent,
  type Approver,
  answerSchema,
  approvalIdSchema,
  approverSchema,
  type Resolution,
  type RuleProposal,
} from "./types.js";

export interface ApprovalsDeps {
  store: Store;
  audit: AuditSink;
  config?: Partial<ApprovalsConfig>;
  /** Called after each change is committed; the gateway forwards these on the WebSocket. Must not throw. */
  emit?: (event: ApprovalEvent) => void;
  /** Epoch milliseconds. */
  clock?: () => number;
  /** How often waiters look for answers written by another process (default 1000 ms). */
  pollMs?: number;
}

export interface RequestInput {
  task: string;
  action: Action;
  decision: Decision;
  /** Who asked, for the audit log (`agent:<id>`). */
  actor?: string;
  /** Overrides the configured approvers for this request. */
  approvers?: string[];
  expiresInMs?: number;
}

type Waiter = { resolve: (r: Resolution) => void; reject: (e: unknown) => void };
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Approvals implements ApprovalGate {
  readonly proposals: RuleProposals;
  private readonly config: ApprovalsConfig;
  private readonly clock: () => number;
  private readonly waiters = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly deps: ApprovalsDeps) {
    // The daemon passes its validated config; the defaults fill what a caller leaves out.
    this.config = { ...APPROVALS_DEFAULTS, ...deps.config };
    this.clock = deps.clock ?? Date.now;
    this.proposals = new RuleProposals(deps.store, deps.audit, this.clock, this.config.feedbackThreshold);
  }

  /** Migrate, expire what ran out while Warden was down, and arm the expiry timer. */
  static open(deps: ApprovalsDeps): Approvals {
    deps.store.migrate("approvals", APPROVALS_MIGRATIONS);
    const approvals = new Approvals(deps);
    approvals.sweep();
    return approvals;
  }

  /**
   * Record a request (durable on return). If the task holds a grant for exactly this action, the request is
   * recorded as already approved. Throws BAD_REQUEST for a malformed action or decision.
   */
  request(input: RequestInput): Approval {
    const action = parse(actionSchema, input.action, "action");
    const decision = parse(decisionSchema, input.decision, "decision");
    parse(taskSchema, input.task, "task");
    if (input.approvers !== undefined) parse(approverIdsSchema, input.approvers, "approvers");
    const now = this.clock();
    const id = newId("ap");
    const hash = bindingHash(action);
    const approvers = input.approvers ?? this.config.approvers;
    const expires = now + (input.expiresInMs ?? this.config.expiryMinutes * 60_000);
    const approval = this.deps.store.transaction(() => {
      const grant = this.deps.store
        .prepare("SELECT approval_id FROM approval_grants WHERE task = ? AND action_hash = ?")
        .get(input.task, hash) as { approval_id: string } | undefined;
      insertRequest(this.deps.store, {
        id,
        task: input.task,
        action,
        hash,
        decision,
        approvers,
        now,
        expires,
        grantedBy: grant?.approval_id ?? null,
      });
      const actor = input.actor ?? "warden";
      const common = { approval: id, action_hash: hash, rule: decision.rule, reason: decision.reason };
      this.deps.audit.appendSync({ type: "approval.requested", actor, task: input.task, data: { ...common, action } });
      if (grant) {
        this.deps.audit.appendSync({
          type: "approval.resolved",
          actor: "warden",
          task: input.task,
          data: { ...common, state: "approved", scope: "task", granted_by: grant.approval_id },
        });
      }
      return this.get(id)!;
    });
    this.publish({ type: approval.state === "pending" ? "approval.requested" : "approval.resolved", approval });
    if (approval.state === "pending") this.arm();
    return approval;
  }

  /**
   * Answer a request. Exactly one answer can win; every refusal (malformed or unknown id, not an approver,
   * expired, already answered) is audited and returned as an error: NOT_FOUND, UNAUTHORIZED, APPROVAL_EXPIRED,
   * CONFLICT, or BAD_REQUEST for a malformed answer.
   */
  answer(id: string, who: Approver, answer: Answer): Result<Approval> {
    const approver = approverSchema.safeParse(who);
    const parsed = answerSchema.safeParse(answer);
    if (!approver.success || !parsed.success) {
      // Audited too: a channel or client sending garbage answers is worth seeing. The identity is not trusted here.
      const anonymous: Approver = { id: "unknown", role: "approver", via: "malformed" };
      const error = new WardenError("BAD_REQUEST", "malformed approver or answer");
      return this.deps.store.transaction(() => this.refuse(id, anonymous, "malformed_answer", error));
    }
    const a = parsed.data;
    const now = this.clock();
    let expired: Approval | null = null;
    const outcome = this.deps.store.transaction((): Result<{ approval: Approval; proposal: RuleProposal | null }> => {
      const refuse = (why: string, error: WardenError) => this.refuse(id, who, why, error);
      if (!approvalIdSchema.safeParse(id).success) {
        return refuse("malformed_id", new WardenError("NOT_FOUND", "no such approval request"));
      }
      // The conditional UPDATE comes first: it takes the write lock, so the checks below see a stable row, and it
      // is the single point where two racing answers (from any process) are told apart.
      const { changes } = this.deps.store
        .prepare(
          `UPDATE approvals SET state = @state, scope = @scope, reason = @reason, answered_by = @who, resolved_at = @now
           WHERE id = @id AND state = 'pending' AND expires_at > @now
           AND (@owner = 1 OR EXISTS (SELECT 1 FROM json_each(approvers) WHERE value = @who))`,
        )
        .run({
          id,
          now,
          who: who.id,
          owner: who.role === "owner" ? 1 : 0,
          state: a.decision === "approve" ? "approved" : "denied",
          scope: a.decision === "approve" ? a.scope : null,
          reason: a.decision === "deny" ? (a.reason ?? "denied") : null,
        });
      const row = this.row(id);
      if (!row) return refuse("unknown_id", new WardenError("NOT_FOUND", "no such approval request"));
      if (changes === 0) {
        const allowed = who.role === "owner" || (JSON.parse(row.approvers) as string[]).includes(who.id);
        if (!allowed) return refuse("not_approver", new WardenError("UNAUTHORIZED", `${who.id} may not answer ${id}`));
        if (row.state === "pending") {
          expired = this.expireRow(row, now);
          return refuse("expired", new WardenError("APPROVAL_EXPIRED", `approval ${id} expired`));
        }
        const code = row.state === "expired" ? "APPROVAL_EXPIRED" : "CONFLICT";
        return refuse("already_resolved", new WardenError(code, `approval ${id} is already ${row.state}`));
      }
      if (row.state === "approved" && (row.scope === "task" || row.scope === "always")) {
        this.deps.store
          .prepare(
            "INSERT OR IGNORE INTO approval_grants (task, action_hash, approval_id, created_at) VALUES (?,?,?,?)",
          )
          .run(row.task, row.action_hash, row.id, now);
      }
      this.deps.audit.appendSync({
        type: "approval.resolved",
        actor: who.id,
        task: row.task,
        data: { approval: id, state: row.state, scope: row.scope, reason: row.reason, via: who.via },
      });
      const proposal = this.proposals.consider(row, who.id);
      return ok({ approval: toApproval(row), proposal });
    });
    if (!outcome.ok) {
      // An answer that found the request overdue has just expired it: tell the waiters.
      if (expired) this.settle(expired);
      return outcome;
    }
    this.settle(outcome.value.approval);
    const { proposal } = outcome.value;
    if (proposal) this.publish({ type: "approval.rule_proposed", proposal });
    return ok(outcome.value.approval);
  }

  /** Resolves when the request is answered, expires or is cancelled; at once if it already was. */
  wait(id: string): Promise<Resolution> {
    const row = approvalIdSchema.safeParse(id).success ? this.row(id) : undefined;
    if (!row) return Promise.reject(new WardenError("NOT_FOUND", "no such approval request"));
    if (row.state === "pending" && row.expires_at <= this.clock()) this.sweep();
    const current = this.row(id)!;
    if (current.state !== "pending") return Promise.resolve(resolution(toApproval(current)));
    if (this.closed) return Promise.reject(new WardenError("INTERRUPTED", "approvals are shut down"));
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(id, list);
      this.watch();
    });
  }

  /**
   * Mark an approved request as used, just before its action starts: `action` must hash to exactly what was
   * approved, and each approval covers one execution. A replay or a different action is refused and audited.
   */
  consume(id: string, action: Action, actor: string): Result<Approval> {
    const hash = bindingHash(parse(actionSchema, action, "action"));
    return this.deps.store.transaction(() =>
      consumeApproval(this.deps.store, this.deps.audit, id, hash, actor, this.clock()),
    );
  }

  /** Cancel a pending request (task cancelled, halt). CONFLICT if it was no longer pending. */
  cancel(id: string, actor: string, reason = "cancelled"): Result<Approval> {
    const now = this.clock();
    const outcome = this.deps.store.transaction((): Result<Approval> => {
      const { changes } = this.deps.store
        .prepare(
          "UPDATE approvals SET state = 'cancelled', reason = ?, answered_by = ?, resolved_at = ? WHERE id = ? AND state = 'pending'",
        )
        .run(reason, actor, now, id);
      const row = this.row(id);
      if (!row) return err(new WardenError("NOT_FOUND", "no such approval request"));
      if (changes === 0) return err(new WardenError("CONFLICT", `approval ${id} is already ${row.state}`));
      this.deps.audit.appendSync({
        type: "approval.resolved",
        actor,
        task: row.task,
        data: { approval: id, state: "cancelled", reason },
      });
      return ok(toApproval(row));
    });
    if (outcome.ok) this.settle(outcome.value);
    return outcome;
  }

  /** The task ended: cancel its pending requests and drop its task-scoped grants. */
  endTask(task: string, actor: string, reason = "task ended"): Approval[] {
    const ids = (
      this.deps.store.prepare("SELECT id FROM approvals WHERE task = ? AND state = 'pending'").all(task) as {
        id: string;
      }[]
    ).map((r) => r.id);
    const cancelled: Approval[] = [];
    for (const id of ids) {
      const r = this.cancel(id, actor, reason);
      if (r.ok) cancelled.push(r.value);
    }
    this.deps.store.prepare("DELETE FROM approval_grants WHERE task = ?").run(task);
    return cancelled;
  }

  get(id: string): Approval | undefined {
    const row = this.row(id);
    return row ? toApproval(row) : undefined;
  }

  /** Requests, oldest first; by default the pending ones. */
  list(filter: { state?: Approval["state"] | "all"; task?: string } = {}): Approval[] {
    const state = filter.state ?? "pending";
    const rows = this.deps.store
      .prepare(
        `SELECT * FROM approvals WHERE (@state = 'all' OR state = @state) AND (@task IS NULL OR task = @task)
         ORDER BY requested_at, id`,
      )
      .all({ state, task: filter.task ?? null }) as ApprovalRow[];
    return rows.map(toApproval);
  }

  /** Expire every pending request whose time is up (deny, reason "expired"), then re-arm the timer. */
  sweep(): Approval[] {
    const now = this.clock();
    const expired = this.deps.store.transaction(() => {
      const rows = this.deps.store
        .prepare("SELECT * FROM approvals WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at")
        .all(now) as ApprovalRow[];
      return rows.map((r) => this.expireRow(r, now)).filter((a): a is Approval => a !== null);
    });
    for (const a of expired) this.settle(a);
    this.arm();
    return expired;
  }

  /** Stop the timer; anyone still waiting gets INTERRUPTED (their request stays pending for the next start). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.poller);
    const error = new WardenError("INTERRUPTED", "approvals are shut down; the request stays pending");
    for (const list of this.waiters.values()) for (const w of list) w.reject(error);
    this.waiters.clear();
  }

  private row(id: string): ApprovalRow | undefined {
    return readRow(this.deps.store, id);
  }

  private refuse(id: string, who: Approver, why: string, error: WardenError): Result<never> {
    return refuse(this.deps.audit, id, who, why, error);
  }

  private expireRow(row: ApprovalRow, now: number): Approval | null {
    return expireRow(this.deps.store, this.deps.audit, row, now);
  }

  /** After commit: wake the waiters and tell the gateway. */
  private settle(approval: Approval): void {
    const list = this.waiters.get(approval.id);
    this.waiters.delete(approval.id);
    for (const w of list ?? []) w.resolve(resolution(approval));
    this.publish({ type: "approval.resolved", approval });
  }

  private publish(event: ApprovalEvent): void {
    try {
      this.deps.emit?.(event);
    } catch {
      // Why swallow: a failing listener (a closed socket) must not undo or block a committed answer.
    }
  }

  /** While anyone waits: pick up answers that another process (a CLI on the same database) committed. */
  private watch(): void {
    if (this.poller || this.closed) return;
    this.poller = setInterval(() => {
      for (const id of [...this.waiters.keys()]) {
        const row = this.row(id);
        if (row && row.state !== "pending") this.settle(toApproval(row));
      }
      if (this.waiters.size === 0) {
        clearInterval(this.poller);
        this.poller = undefined;
      }
    }, this.deps.pollMs ?? 1000);
    this.poller.unref();
  }

  /** One timer, for the next request to expire. */
  private arm(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    const { next } = this.deps.store
      .prepare("SELECT MIN(expires_at) AS next FROM approvals WHERE state = 'pending'")
      .get() as { next: number | null };
    if (next === null) return;
    const delay = Math.min(Math.max(0, next - this.clock()), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.sweep(), delay);
    this.timer.unref();
  }
}
