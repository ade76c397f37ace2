// Verification of the chain: walks every event in seq order, recomputes each hash from the stored text, and
// reports the first event that is wrong. Read-only. Yields to the event loop between pages so a daemon stays
// responsive while it checks a long log.
import type { Statement, Store } from "../store/index.js";
import { GENESIS_HASH, hashEvent } from "./chain.js";
import type { EventRow } from "./query.js";
import type { VerifyResult } from "./types.js";

const PAGE = 2_000; // ~10 ms of hashing per page: the daemon verifies in the background while it serves
// The fast path reads no prev_hash: each hash is recomputed with the previous event's hash as its link, so a wrong
// stored link shows up as a hash mismatch, and only then is the row read whole to say which of the two it was.
const PAGE_SQL = "SELECT seq, ts, type, actor, task, data, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?";
type RawRow = [number, string, string, string, string | null, string, string];

/** better-sqlite3 can return rows as arrays, a good part cheaper on a long walk; the Store does not promise it. */
function pageStatement(store: Store): { stmt: Statement; raw: boolean } {
  const stmt = store.prepare(PAGE_SQL) as Statement & { raw?: (on: boolean) => unknown };
  if (typeof stmt.raw !== "function") return { stmt, raw: false };
  stmt.raw(true); // safe: this SQL text is used only here, so no other caller shares the cached statement
  return { stmt, raw: true };
}

function toRaw(r: EventRow): RawRow {
  return [r.seq, r.ts, r.type, r.actor, r.task, r.data, r.hash];
}

/** A damaged file (truncated, overwritten pages) makes SQLite throw: that is a finding, not a crash of verify. */
function read<T>(fn: () => T): T | typeof UNREADABLE {
  try {
    return fn();
  } catch {
    // Why swallow: the caller reports the seq it could not read as "unreadable"; the cause is SQLite's, not ours.
    return UNREADABLE;
  }
}
const UNREADABLE = Symbol("unreadable");

/** Stopped early (the daemon is stopping): nothing was concluded. */
export const VERIFY_ABORTED = Symbol("verify aborted");

/**
 * Walk the whole chain. With a signal, the walk stops between pages once it is aborted and resolves to
 * VERIFY_ABORTED; without one it always concludes.
 */
export async function verifyChain(store: Store): Promise<VerifyResult>;
export async function verifyChain(store: Store, signal: AbortSignal): Promise<VerifyResult | typeof VERIFY_ABORTED>;
export async function verifyChain(store: Store, signal?: AbortSignal): Promise<VerifyResult | typeof VERIFY_ABORTED> {
  // The head is read first: events appended while we walk lie past it and are left for the next run.
  const head = read(
    () =>
      store.prepare("SELECT seq, hash FROM audit_head WHERE id = 1").get() as { seq: number; hash: string } | undefined,
  );
  if (head === UNREADABLE) return { ok: false, seq: 1, problem: "unreadable", checked: 0 };
  const { stmt, raw } = pageStatement(store);
  let expected = 1;
  let prev = GENESIS_HASH;
  const limit = head?.seq ?? Number.MAX_SAFE_INTEGER;
  let pageSize = PAGE;
  for (;;) {
    const page = read(() => stmt.all(expected - 1, pageSize));
    if (page === UNREADABLE) {
      if (pageSize === 1) return { ok: false, seq: expected, problem: "unreadable", checked: expected - 1 };
      pageSize = 1; // go on one event at a time, to name the first seq that cannot be read
      continue;
    }
    for (const r of page) {
      const [seq, ts, type, actor, task, dataText, hash] = raw ? (r as RawRow) : toRaw(r as EventRow);
      const checked = expected - 1;
      if (seq > limit) return { ok: false, seq, problem: "head_mismatch", checked };
      if (seq !== expected) return { ok: false, seq: expected, problem: "missing", checked };
      if (hashEvent({ seq, ts, type, actor, task, dataText, prevHash: prev }) !== hash) {
        const stored = store.prepare("SELECT prev_hash FROM audit_events WHERE seq = ?").get(seq) as {
          prev_hash: string;
        };
        const problem = stored.prev_hash !== prev ? "prev_hash_mismatch" : "hash_mismatch";
        return { ok: false, seq, problem, checked };
      }
      prev = hash;
      expected++;
    }
    if (page.length < pageSize) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted) return VERIFY_ABORTED;
  }
  const count = expected - 1;
  if (head === undefined) {
    // No head but events: the head record was removed.
    return count === 0
      ? { ok: true, count, head: null }
      : { ok: false, seq: count, problem: "head_mismatch", checked: count };
  }
  if (head.seq > count) return { ok: false, seq: count + 1, problem: "missing", checked: count };
  if (head.hash !== prev) return { ok: false, seq: head.seq, problem: "head_mismatch", checked: count };
  return { ok: true, count, head: { seq: head.seq, hash: head.hash } };
}
