// Reading the audit log: rows to events, tail, and paged export. Read-only: nothing here writes.
import { WardenError } from "../errors.js";
import type { Store } from "../store/index.js";
import type { AuditEvent, ExportOptions } from "./types.js";

export interface EventRow {
  seq: number;
  ts: string;
  type: string;
  actor: string;
  task: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

const PAGE = 5000;

export function rowToEvent(row: EventRow): AuditEvent {
  return { ...row, data: JSON.parse(row.data) };
}

/** The last `limit` events, oldest first. */
export function tailEvents(store: Store, limit: number): AuditEvent[] {
  const rows = store
    .prepare("SELECT * FROM audit_events ORDER BY seq DESC LIMIT ?")
    .all(Math.max(0, Math.floor(limit))) as EventRow[];
  return rows.reverse().map(rowToEvent);
}

/** Events after `afterSeq`, oldest first, at most `limit`. */
export function eventsAfter(store: Store, afterSeq: number, limit = PAGE): AuditEvent[] {
  const rows = store.prepare("SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?").all(afterSeq, limit);
  return (rows as EventRow[]).map(rowToEvent);
}

/** Every matching event, oldest first, read a page at a time so a large log never sits in memory. */
export function* exportEvents(store: Store, options: ExportOptions = {}): Generator<AuditEvent> {
  const sinceMs = options.since === undefined ? 0 : new Date(options.since).getTime();
  if (Number.isNaN(sinceMs)) throw new WardenError("USAGE", `--since: not a time: ${String(options.since)}`);
  const since = options.since === undefined ? "" : new Date(sinceMs).toISOString();
  let after = options.afterSeq ?? 0;
  const sql =
    options.task === undefined
      ? "SELECT * FROM audit_events WHERE seq > ? AND ts >= ? ORDER BY seq LIMIT ?"
      : "SELECT * FROM audit_events WHERE task = ? AND seq > ? AND ts >= ? ORDER BY seq LIMIT ?";
  const stmt = store.prepare(sql);
  for (;;) {
    const params = options.task === undefined ? [after, since, PAGE] : [options.task, after, since, PAGE];
    const rows = stmt.all(...params) as EventRow[];
    for (const row of rows) yield rowToEvent(row);
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    after = last.seq;
  }
}
