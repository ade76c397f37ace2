// The audit log: append-only, hash-chained, in the shared SQLite store. Appends that arrive together are written
// in one transaction (group commit: one fsync for many events) and each caller's promise resolves only once its
// own event is committed. Seq and hashes are assigned inside the writing transaction from the stored head, so a
// rolled-back transaction can never leave the chain and this object out of step. Never updates or deletes events.
import { WardenError } from "../errors.js";
import type { Redactor } from "../log/index.js";
import type { Store } from "../store/index.js";
import { GENESIS_HASH } from "./chain.js";
import { chainEvent, type PreparedEvent, prepareEvent } from "./prepare.js";
import { eventsAfter, exportEvents, tailEvents } from "./query.js";
import { AUDIT_MIGRATIONS } from "./schema.js";
import type { AuditEvent, AuditEventInput, AuditSink, ExportOptions, VerifyResult } from "./types.js";
import { VERIFY_ABORTED, verifyChain } from "./verify.js";

export interface AuditLogOptions {
  /** Second line of defence: every string in an event passes through it before it is hashed and stored. */
  redactor?: Redactor;
  clock?: () => Date;
  /** Most events per transaction; more waiting events take further transactions in the same turn. */
  maxBatch?: number;
}

export type AuditListener = (event: AuditEvent) => void;

interface Waiting {
  event: PreparedEvent;
  resolve: (e: AuditEvent) => void;
  reject: (e: unknown) => void;
}

export class AuditLog implements AuditSink {
  private readonly queue: Waiting[] = [];
  private readonly listeners = new Set<AuditListener>();
  private scheduled = false;
  private closed = false;
  private readonly clock: () => Date;
  private readonly maxBatch: number;

  private constructor(
    private readonly store: Store,
    private readonly options: AuditLogOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.maxBatch = options.maxBatch ?? 2000;
  }

  /** Apply the audit migrations and open the log. */
  static open(store: Store, options: AuditLogOptions = {}): AuditLog {
    store.migrate("audit", AUDIT_MIGRATIONS);
    return new AuditLog(store, options);
  }

  /** Queue an event; resolves with its seq and hash once it is durable. Rejects with BAD_REQUEST or STORE_FAILED. */
  append(input: AuditEventInput): Promise<AuditEvent> {
    if (this.closed) return Promise.reject(new WardenError("STORE_FAILED", "audit log is closed"));
    let event: PreparedEvent;
    try {
      event = prepareEvent(input, this.clock().toISOString(), this.options.redactor);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: lets events arriving from I/O callbacks in this turn join the batch.
        setImmediate(() => this.drain());
      }
    });
  }

  /** Write one event now (see AuditSink for the transaction rule). Throws BAD_REQUEST or STORE_FAILED. */
  appendSync(input: AuditEventInput): AuditEvent {
    if (this.closed) throw new WardenError("STORE_FAILED", "audit log is closed");
    const prepared = prepareEvent(input, this.clock().toISOString(), this.options.redactor);
    let written: AuditEvent[];
    try {
      written = this.store.transaction(() => this.write([prepared]));
    } catch (e) {
      throw new WardenError("STORE_FAILED", "could not write the audit event", {}, { cause: e });
    }
    this.notify(written);
    return written[0]!;
  }

  /** Resolves when every event queued before the call is durable (or failed). */
  async flush(): Promise<void> {
    if (this.queue.length === 0) return;
    const last = this.queue.at(-1)!;
    await new Promise<void>((resolve) => {
      const { resolve: done, reject } = last;
      last.resolve = (e) => {
        done(e);
        resolve();
      };
      last.reject = (e) => {
        reject(e);
        resolve();
      };
    });
  }

  verify(): Promise<VerifyResult> {
    return verifyChain(this.store);
  }

  /**
   * The start-up check, run in the background once the daemon is ready: verify and record the outcome like
   * verifyAndRecord, unless the signal stops it first (then nothing is recorded and the result is undefined).
   */
  async verifyInBackground(signal: AbortSignal, actor = "warden"): Promise<VerifyResult | undefined> {
    const result = await verifyChain(this.store, signal);
    if (result === VERIFY_ABORTED || signal.aborted) return undefined;
    await this.record(result, actor);
    return result;
  }

  /**
   * Verify, then append the outcome as an `audit.verified` event, so a check (at start-up, or asked for) that
   * found a broken chain is itself on the record. The new event never hides the break: it chains from the head.
   */
  async verifyAndRecord(actor = "warden"): Promise<VerifyResult> {
    const result = await this.verify();
    await this.record(result, actor);
    return result;
  }

  private async record(result: VerifyResult, actor: string): Promise<void> {
    const data = result.ok
      ? { ok: true, count: result.count }
      : { ok: false, seq: result.seq, problem: result.problem, checked: result.checked };
    await this.append({ type: "audit.verified", actor, data });
  }

  /** The last `limit` events, oldest first. */
  tail(limit = 20): AuditEvent[] {
    return tailEvents(this.store, limit);
  }

  /** Matching events oldest first, paged from the database as the caller iterates. */
  export(options: ExportOptions = {}): Generator<AuditEvent> {
    return exportEvents(this.store, options);
  }

  /** The same as `export`, one JSON line per event (each ends with a newline). */
  *exportJsonl(options: ExportOptions = {}): Generator<string> {
    for (const event of exportEvents(this.store, options)) yield `${JSON.stringify(event)}\n`;
  }

  /**
   * Follow mode: first the last `backlog` events (or every event after `afterSeq`), then each new event once it is
   * durable. Both happen in one synchronous step, so nothing is missed or repeated in between. Returns unsubscribe.
   * A listener that throws is removed (a broken follower must not stop the log).
   */
  follow(listener: AuditListener, from: { backlog?: number; afterSeq?: number } = {}): () => void {
    const backlog =
      from.afterSeq !== undefined
        ? eventsAfter(this.store, from.afterSeq, Number.MAX_SAFE_INTEGER)
        : tailEvents(this.store, from.backlog ?? 0);
    this.listeners.add(listener);
    for (const e of backlog) this.deliver(listener, e);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Flush what is queued, then refuse further appends. Does not close the store (its owner does). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.listeners.clear();
  }

  private drain(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let written: AuditEvent[];
      try {
        written = this.store.transaction(() => this.write(batch.map((w) => w.event)));
      } catch (e) {
        const error = new WardenError("STORE_FAILED", "could not write audit events", {}, { cause: e });
        for (const w of batch) w.reject(error);
        continue;
      }
      batch.forEach((w, i) => {
        w.resolve(written[i]!);
      });
      this.notify(written);
    }
  }

  /** Runs inside a transaction: chains the events onto the stored head and moves the head. */
  private write(events: PreparedEvent[]): AuditEvent[] {
    const head = (this.store.prepare("SELECT seq, hash FROM audit_head WHERE id = 1").get() ??
      this.store.prepare("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").get() ?? {
        seq: 0,
        hash: GENESIS_HASH,
      }) as { seq: number; hash: string };
    const insert = this.store.prepare(
      "INSERT INTO audit_events (seq, ts, type, actor, task, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
    );
    let { seq, hash: prev } = head;
    const out: AuditEvent[] = [];
    for (const e of events) {
      const event = chainEvent(e, ++seq, prev);
      insert.run(event.seq, e.ts, e.type, e.actor, e.task, e.dataText, prev, event.hash);
      out.push(event);
      prev = event.hash;
    }
    this.store
      .prepare(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
      )
      .run(seq, prev);
    return out;
  }

  private notify(events: AuditEvent[]): void {
    if (this.listeners.size === 0) return;
    for (const e of events) for (const l of [...this.listeners]) this.deliver(l, e);
  }

  private deliver(listener: AuditListener, event: AuditEvent): void {
    try {
      listener(event);
    } catch {
      // Why swallow: a follower (a closed WebSocket, a CLI pipe) failing must never fail the append it observes.
      this.listeners.delete(listener);
    }
  }
}
