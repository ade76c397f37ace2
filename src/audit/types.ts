// Types of the audit domain: what an event is, what callers hand in, and what verification reports.
import type { JsonValue } from "./canonical.js";

/** What a caller appends. `data` must already be redacted by the caller; the log redacts again as a second line. */
export interface AuditEventInput {
  /** Dotted lowercase name, e.g. `policy.decision`, `approval.requested`, `exec.start` (see AUDIT_EVENT_TYPES). */
  type: string;
  /** Who caused it: `owner`, `agent:<id>`, `approver:<id>`, `warden`, `channel:telegram:<user>`... */
  actor: string;
  task?: string | null;
  data?: Record<string, unknown>;
}

/** One stored event. `hash` = SHA-256 over the canonical encoding of every other field (see chain.ts). */
export interface AuditEvent {
  seq: number;
  ts: string;
  type: string;
  actor: string;
  task: string | null;
  data: { [key: string]: JsonValue };
  prev_hash: string;
  hash: string;
}

export type VerifyProblem =
  /** The stored hash does not match the event's content: edited or reordered. */
  | "hash_mismatch"
  /** The event does not link to the one before it: something before it was edited, removed or inserted. */
  | "prev_hash_mismatch"
  /** A seq number is absent: an event was deleted (or the log was truncated at the end). */
  | "missing"
  /** Events exist past the recorded head, or the head record is absent or differs from the last event. */
  | "head_mismatch"
  /** SQLite could not read the events from this seq on: the file is damaged (truncated, overwritten). */
  | "unreadable";

export type VerifyResult =
  | { ok: true; count: number; head: { seq: number; hash: string } | null }
  | { ok: false; seq: number; problem: VerifyProblem; checked: number };

export interface ExportOptions {
  /** Only events with ts >= since (an ISO time, or anything Date parses). */
  since?: string | Date;
  task?: string;
  /** Only events with seq > afterSeq. */
  afterSeq?: number;
}

/**
 * The part of the audit log that other domains write to; the approvals and execution journal depend on this, not
 * on AuditLog, so a fake can stand in. Contract: `append` resolves once the event is durable (committed with fsync)
 * and rejects (STORE_FAILED) if it could not be written: the caller must then not perform the action it records.
 * `appendSync` writes at once in its own transaction, or in the caller's if called inside `store.transaction`
 * (then it is durable when that commits, and rolled back with it).
 */
export interface AuditSink {
  append(event: AuditEventInput): Promise<AuditEvent>;
  appendSync(event: AuditEventInput): AuditEvent;
}

/** The event types Warden writes today. Open set: new domains add their own dotted names. */
export const AUDIT_EVENT_TYPES = [
  "message.in",
  "message.out",
  "task.created",
  "task.ended",
  "task.cancelled",
  "model.request",
  "model.response",
  "tool.proposed",
  "policy.decision",
  "approval.requested",
  "approval.resolved",
  "approval.expired",
  "approval.refused",
  "approval.consumed",
  "approval.rule_proposed",
  "approval.rule_not_proposed",
  "approval.rule_answered",
  "exec.start",
  "exec.end",
  "exec.interrupted",
  "egress.allowed",
  "egress.denied",
  "secret.used",
  "config.changed",
  "policy.changed",
  "auth.failed",
  "halt",
  "audit.verified",
] as const;
