// Types of the approvals domain: a request, who answers it, the answers, and the events the gateway forwards.
import * as z from "zod";
import type { Action, Decision } from "./adapter.js";

export const APPROVAL_STATES = ["pending", "approved", "denied", "expired", "cancelled"] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];
export const scopeSchema = z.lazy(() => z.enum(["once", "task", "always"]));
export type Scope = z.infer<typeof scopeSchema>;

/**
 * An authenticated identity, as established by the caller (CLI token, web session, a channel's verified sender).
 * `role: "owner"` may answer anything; an approver only requests that list its id.
 */
export const approverSchema = z.lazy(() =>
  z.strictObject({
    id: z.string().min(1).max(200),
    role: z.enum(["owner", "approver"]),
    /** How the answer arrived: `cli`, `web`, `channel:telegram`...: audited. */
    via: z.string().min(1).max(100),
  }),
);
export type Approver = z.infer<typeof approverSchema>;

/** An answer, as it comes in from the API or a channel (validated with this schema). */
export const answerSchema = z.lazy(() =>
  z.discriminatedUnion("decision", [
    z.strictObject({ decision: z.literal("approve"), scope: scopeSchema.default("once") }),
    z.strictObject({ decision: z.literal("deny"), reason: z.string().max(2000).optional() }),
  ]),
);
export type Answer = z.input<typeof answerSchema>;

/** Ids are `ap_` plus 16 base32 characters (80 random bits): anything else is refused before the database. */
export const approvalIdSchema = z.lazy(() => z.string().regex(/^ap_[a-z2-7]{16}$/));

export interface Approval {
  id: string;
  task: string;
  action: Action;
  actionHash: string;
  /** One line for lists: `exec: git push`. */
  summary: string;
  decision: Decision;
  /** Ids of the approvers who may answer besides the owner (snapshot taken when asked). */
  approvers: string[];
  state: ApprovalState;
  scope: Scope | null;
  /** Deny reason, "expired", or the cancellation reason. */
  reason: string | null;
  answeredBy: string | null;
  /** When the request was answered through a task grant: the approval that granted it. */
  grantedBy: string | null;
  requestedAt: string;
  expiresAt: string;
  resolvedAt: string | null;
  /** When the approved action started: an approval covers one execution. */
  consumedAt: string | null;
}

/** What `wait` resolves with. Approved means: go ahead (after `consume`); anything else goes back to the model. */
export interface Resolution {
  id: string;
  state: Exclude<ApprovalState, "pending">;
  scope: Scope | null;
  reason: string | null;
  answeredBy: string | null;
}

export type ApprovalEvent =
  | { type: "approval.requested"; approval: Approval }
  | { type: "approval.resolved"; approval: Approval }
  | { type: "approval.rule_proposed"; proposal: RuleProposal };

export interface RuleProposal {
  id: string;
  source: "always" | "feedback";
  approvalId: string;
  /** A rule in the policy file format; Warden never writes it to a policy file itself. */
  rule: Record<string, unknown>;
  /** The lines it would add, prefixed with "+ ". */
  diff: string;
  state: "proposed" | "accepted" | "dismissed";
  createdAt: string;
  answeredAt: string | null;
  answeredBy: string | null;
}
