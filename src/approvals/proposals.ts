// Proposed policy rules: from "approve always" and from repeated identical one-time approvals (feedback). A proposal
// is stored and shown as a diff; the owner accepts or dismisses it. This file never writes a policy file: whoever
// applies an accepted rule (the policy domain, through the lead's wiring) does that, visibly.
import type { AuditSink } from "../audit/index.js";
import { err, ok, type Result, WardenError } from "../errors.js";
import type { Store } from "../store/index.js";
import { type Action, proposeRule, ruleDiff } from "./adapter.js";
import { type ApprovalRow, newId, type ProposalRow, toProposal } from "./rows.js";
import type { Approver, RuleProposal } from "./types.js";

export class RuleProposals {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditSink,
    private readonly clock: () => number,
    private readonly threshold: number,
  ) {}

  /**
   * Inside the answer's transaction: propose a rule for this approved request if it was "always", or if it is the
   * threshold-th identical one-time approval since the last proposal for the same action. Returns the new proposal.
   */
  consider(row: ApprovalRow, actor: string): RuleProposal | null {
    if (row.state !== "approved" || row.granted_by !== null) return null;
    const last = this.store
      .prepare(
        "SELECT MAX(created_at) AS t, SUM(state = 'proposed') AS open FROM approval_proposals WHERE feedback_key = ?",
      )
      .get(row.feedback_key) as { t: number | null; open: number | null };
    let source: "always" | "feedback";
    if (row.scope === "always") {
      if ((last.open ?? 0) > 0) return null; // one open proposal per action is enough to review
      source = "always";
    } else if (row.scope === "once" && this.threshold > 0) {
      const { n } = this.store
        .prepare(
          `SELECT COUNT(*) AS n FROM approvals WHERE feedback_key = ? AND state = 'approved' AND scope = 'once'
           AND granted_by IS NULL AND resolved_at >= ?`,
        )
        .get(row.feedback_key, last.t === null ? 0 : last.t + 1) as { n: number };
      if (n < this.threshold) return null;
      source = "feedback";
    } else {
      return null;
    }
    const action = JSON.parse(row.action) as Action;
    const reason =
      source === "always"
        ? `Approved always by ${actor} (request ${row.id}).`
        : `Approved ${this.threshold} times one by one (last: request ${row.id}).`;
    const rule = proposeRule(action, `approved-${row.feedback_key.slice(0, 12)}`, reason);
    if (rule === null) {
      this.audit.appendSync({
        type: "approval.rule_not_proposed",
        actor: "warden",
        task: row.task,
        data: { approval: row.id, source, why: "the action holds glob characters that a rule would read as a pattern" },
      });
      return null;
    }
    const id = newId("rp");
    const diff = ruleDiff(rule);
    this.store
      .prepare(
        `INSERT INTO approval_proposals (id, feedback_key, source, approval_id, rule, diff, state, created_at)
         VALUES (?,?,?,?,?,?,'proposed',?)`,
      )
      .run(id, row.feedback_key, source, row.id, JSON.stringify(rule), diff, this.clock());
    this.audit.appendSync({
      type: "approval.rule_proposed",
      actor: "warden",
      task: row.task,
      data: { proposal: id, source, approval: row.id, rule },
    });
    return this.get(id)!;
  }

  get(id: string): RuleProposal | undefined {
    const row = this.store.prepare("SELECT * FROM approval_proposals WHERE id = ?").get(id) as ProposalRow | undefined;
    return row ? toProposal(row) : undefined;
  }

  list(state?: RuleProposal["state"]): RuleProposal[] {
    const rows = this.store
      .prepare("SELECT * FROM approval_proposals WHERE (@state IS NULL OR state = @state) ORDER BY created_at, id")
      .all({ state: state ?? null }) as ProposalRow[];
    return rows.map(toProposal);
  }

  /** Only the owner decides on rules. Accepting returns the rule for the caller to apply; dismissing drops it. */
  answer(id: string, who: Approver, verdict: "accept" | "dismiss"): Result<RuleProposal> {
    return this.store.transaction(() => {
      const refuse = (why: string, error: WardenError) => {
        this.audit.appendSync({
          type: "approval.refused",
          actor: who.id,
          data: { proposal: id.slice(0, 100), why, via: who.via },
        });
        return err(error);
      };
      if (who.role !== "owner")
        return refuse("not_owner", new WardenError("UNAUTHORIZED", "only the owner decides on rules"));
      const changes = this.store
        .prepare(
          "UPDATE approval_proposals SET state = ?, answered_at = ?, answered_by = ? WHERE id = ? AND state = 'proposed'",
        )
        .run(verdict === "accept" ? "accepted" : "dismissed", this.clock(), who.id, id).changes;
      const current = this.get(id);
      if (!current) return refuse("unknown_id", new WardenError("NOT_FOUND", `no rule proposal ${id}`));
      if (changes === 0) {
        return refuse(
          "already_answered",
          new WardenError("CONFLICT", `rule proposal ${id} is already ${current.state}`),
        );
      }
      this.audit.appendSync({
        type: "approval.rule_answered",
        actor: who.id,
        data: { proposal: id, verdict, via: who.via, rule: current.rule },
      });
      return ok(current);
    });
  }
}
