// Rows of the approvals tables and their public views, input checks, and id generation. Pure data mapping: no
// queries here.
import { randomBytes } from "node:crypto";
import * as z from "zod";
import { WardenError } from "../errors.js";
import { describeAction } from "./adapter.js";
import type { Approval, ApprovalState, Resolution, RuleProposal, Scope } from "./types.js";

export const taskSchema = z.lazy(() => z.string().min(1).max(200));
export const approverIdsSchema = z.lazy(() => z.array(z.string().min(1).max(200)).max(100));

export interface ApprovalRow {
  id: string;
  task: string;
  action: string;
  action_hash: string;
  feedback_key: string;
  decision: string;
  approvers: string;
  state: ApprovalState;
  scope: Scope | null;
  reason: string | null;
  answered_by: string | null;
  granted_by: string | null;
  requested_at: number;
  expires_at: number;
  resolved_at: number | null;
  consumed_at: number | null;
}

export interface ProposalRow {
  id: string;
  feedback_key: string;
  source: "always" | "feedback";
  approval_id: string;
  rule: string;
  diff: string;
  state: "proposed" | "accepted" | "dismissed";
  created_at: number;
  answered_at: number | null;
  answered_by: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function toApproval(r: ApprovalRow): Approval {
  const action = JSON.parse(r.action) as Record<string, unknown>;
  return {
    id: r.id,
    task: r.task,
    action,
    actionHash: r.action_hash,
    summary: describeAction(action),
    decision: JSON.parse(r.decision),
    approvers: JSON.parse(r.approvers),
    state: r.state,
    scope: r.scope,
    reason: r.reason,
    answeredBy: r.answered_by,
    grantedBy: r.granted_by,
    requestedAt: iso(r.requested_at),
    expiresAt: iso(r.expires_at),
    resolvedAt: isoOrNull(r.resolved_at),
    consumedAt: isoOrNull(r.consumed_at),
  };
}

export function toProposal(r: ProposalRow): RuleProposal {
  return {
    id: r.id,
    source: r.source,
    approvalId: r.approval_id,
    rule: JSON.parse(r.rule),
    diff: r.diff,
    state: r.state,
    createdAt: iso(r.created_at),
    answeredAt: isoOrNull(r.answered_at),
    answeredBy: r.answered_by,
  };
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** `prefix_` + 16 base32 characters from 80 random bits: unguessable, and short enough to type. */
export function newId(prefix: string): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `${prefix}_${out}`;
}

export function parse<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  v: unknown,
  what: string,
): T {
  const r = schema.safeParse(v);
  if (!r.success) throw new WardenError("BAD_REQUEST", `malformed ${what}`);
  return r.data;
}

export function resolution(a: Approval): Resolution {
  return {
    id: a.id,
    state: a.state === "pending" ? "expired" : a.state,
    scope: a.scope,
    reason: a.reason,
    answeredBy: a.answeredBy,
  };
}
