// The execution journal: a durable "started" record (with its audit event) written before an action runs, an
// "ended" record after, and a start-up sweep that marks whatever was started but never ended as interrupted.
// Interrupted executions are never run again by Warden: the side effect may have happened, so a human decides.
// This file never runs anything itself.
import { randomBytes } from "node:crypto";
import { WardenError } from "../errors.js";
import type { Store } from "../store/index.js";
import { canonicalJson, sha256Hex } from "./canonical.js";
import { AUDIT_MIGRATIONS } from "./schema.js";
import type { AuditSink } from "./types.js";

export type ExecutionState = "started" | "ended" | "interrupted";

export interface ExecutionRecord {
  id: string;
  task: string | null;
  actionHash: string;
  state: ExecutionState;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  /** Seq of the audit event that recorded the start (and the end or interruption). */
  startSeq: number;
  endSeq: number | null;
}

export interface ExecutionStart {
  task: string | null;
  actor: string;
  /** The action about to run, already redacted by the caller; its hash is stored, the action itself is audited. */
  action: Record<string, unknown>;
  /** Extra facts for the audit event (sandbox, approval id...). */
  data?: Record<string, unknown>;
}

export interface ExecutionEnd {
  exitCode: number | null;
  durationMs?: number;
  bytesOut?: number;
  bytesErr?: number;
  /** A short error code when it failed to run at all (timeout, sandbox failure...). */
  error?: string;
}

interface Row {
  id: string;
  task: string | null;
  action_hash: string;
  state: ExecutionState;
  started_at: string;
  ended_at: string | null;
  exit_code: number | null;
  start_seq: number;
  end_seq: number | null;
}

const toRecord = (r: Row): ExecutionRecord => ({
  id: r.id,
  task: r.task,
  actionHash: r.action_hash,
  state: r.state,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  exitCode: r.exit_code,
  startSeq: r.start_seq,
  endSeq: r.end_seq,
});

/**
 * Contract: `begin` returns only after the start record and its `exec.start` audit event are committed together;
 * if it throws, the action must not run. `end` moves started -> ended (CONFLICT otherwise, e.g. interrupted).
 * `recoverInterrupted` must run at start-up before any new execution; it never re-runs anything.
 */
export class ExecutionJournal {
  private constructor(
    private readonly store: Store,
    private readonly audit: AuditSink,
    private readonly clock: () => Date,
  ) {}

  static open(store: Store, audit: AuditSink, options: { clock?: () => Date } = {}): ExecutionJournal {
    store.migrate("audit", AUDIT_MIGRATIONS);
    return new ExecutionJournal(store, audit, options.clock ?? (() => new Date()));
  }

  begin(start: ExecutionStart): ExecutionRecord {
    const id = `ex_${randomBytes(12).toString("base64url")}`;
    const actionHash = sha256Hex(canonicalJson(start.action));
    const now = this.clock().toISOString();
    return this.store.transaction(() => {
      const event = this.audit.appendSync({
        type: "exec.start",
        actor: start.actor,
        task: start.task,
        data: { ...start.data, execution: id, action_hash: actionHash, action: start.action },
      });
      this.store
        .prepare(
          "INSERT INTO audit_executions (id, task, action_hash, state, started_at, start_seq) VALUES (?,?,?,'started',?,?)",
        )
        .run(id, start.task, actionHash, now, event.seq);
      return this.get(id)!;
    });
  }

  end(id: string, result: ExecutionEnd, actor = "warden"): ExecutionRecord {
    const now = this.clock().toISOString();
    return this.store.transaction(() => {
      const row = this.get(id);
      if (!row) throw new WardenError("NOT_FOUND", `no execution ${id}`);
      if (row.state !== "started") throw new WardenError("CONFLICT", `execution ${id} is ${row.state}, not running`);
      const event = this.audit.appendSync({
        type: "exec.end",
        actor,
        task: row.task,
        data: { ...result, execution: id, action_hash: row.actionHash },
      });
      this.store
        .prepare("UPDATE audit_executions SET state = 'ended', ended_at = ?, exit_code = ?, end_seq = ? WHERE id = ?")
        .run(now, result.exitCode, event.seq, id);
      return this.get(id)!;
    });
  }

  /** Start-up sweep: every execution still marked started was cut off by a crash; mark it interrupted. */
  recoverInterrupted(): ExecutionRecord[] {
    const now = this.clock().toISOString();
    return this.store.transaction(() => {
      const rows = this.store
        .prepare("SELECT * FROM audit_executions WHERE state = 'started' ORDER BY start_seq")
        .all();
      const mark = this.store.prepare(
        "UPDATE audit_executions SET state = 'interrupted', ended_at = ?, end_seq = ? WHERE id = ? AND state = 'started'",
      );
      for (const r of rows as Row[]) {
        const event = this.audit.appendSync({
          type: "exec.interrupted",
          actor: "warden",
          task: r.task,
          data: { execution: r.id, action_hash: r.action_hash, started_at: r.started_at, rerun: false },
        });
        mark.run(now, event.seq, r.id);
      }
      return (rows as Row[]).map((r) => this.get(r.id)!);
    });
  }

  get(id: string): ExecutionRecord | undefined {
    const row = this.store.prepare("SELECT * FROM audit_executions WHERE id = ?").get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  list(filter: { state?: ExecutionState; task?: string } = {}): ExecutionRecord[] {
    const rows = this.store
      .prepare(
        "SELECT * FROM audit_executions WHERE (@state IS NULL OR state = @state) AND (@task IS NULL OR task = @task) ORDER BY start_seq",
      )
      .all({ state: filter.state ?? null, task: filter.task ?? null }) as Row[];
    return rows.map(toRecord);
  }
}
