// Turning a caller's event into the fields that get stored: checked, redacted (second line of defence: callers
// redact first), and encoded canonically. Never writes anything.
import { WardenError } from "../errors.js";
import type { Redactor } from "../log/index.js";
import { canonicalJson } from "./canonical.js";
import { hashEvent } from "./chain.js";
import type { AuditEvent, AuditEventInput } from "./types.js";

export interface PreparedEvent {
  ts: string;
  type: string;
  actor: string;
  task: string | null;
  dataText: string;
  /** The (redacted) data object that dataText encodes, handed back to the caller without re-parsing. */
  data: Record<string, unknown>;
}

const TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

export function prepareEvent(input: AuditEventInput, ts: string, redactor: Redactor | undefined): PreparedEvent {
  if (typeof input.type !== "string" || !TYPE_PATTERN.test(input.type)) {
    throw new WardenError("BAD_REQUEST", `audit event type must be a dotted lowercase name, got ${String(input.type)}`);
  }
  if (typeof input.actor !== "string" || input.actor.length === 0) {
    throw new WardenError("BAD_REQUEST", "audit event actor must be a non-empty string");
  }
  const task = input.task ?? null;
  if (task !== null && typeof task !== "string")
    throw new WardenError("BAD_REQUEST", "audit event task must be a string");
  const data = input.data ?? {};
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new WardenError("BAD_REQUEST", "audit event data must be an object");
  }
  let dataText: string;
  const stored = (redactor ? redactDeep(data, redactor) : data) as Record<string, unknown>;
  try {
    dataText = canonicalJson(stored);
  } catch (e) {
    throw new WardenError("BAD_REQUEST", "audit event data is not representable as JSON", {}, { cause: e });
  }
  const r = (s: string) => (redactor ? redactor.redact(s) : s);
  return { ts, type: input.type, actor: r(input.actor), task: task === null ? null : r(task), dataText, data: stored };
}

/** Copy of `value` with every string (keys included) passed through the redactor. */
function redactDeep(value: unknown, redactor: Redactor): unknown {
  if (typeof value === "string") return redactor.redact(value);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redactor));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[redactor.redact(k)] = redactDeep(v, redactor);
  return out;
}

/** The stored event for a prepared one at `seq`, chained onto `prevHash`: the one place the hash is computed. */
export function chainEvent(e: PreparedEvent, seq: number, prevHash: string): AuditEvent {
  const hash = hashEvent({ seq, ts: e.ts, type: e.type, actor: e.actor, task: e.task, dataText: e.dataText, prevHash });
  // The object that was encoded, not a re-parse of the text: the same JSON content, without the cost.
  return {
    seq,
    ts: e.ts,
    type: e.type,
    actor: e.actor,
    task: e.task,
    data: e.data as AuditEvent["data"],
    prev_hash: prevHash,
    hash,
  };
}
