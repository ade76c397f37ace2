// Verification of the chain: walks every event in seq order, recomputes each hash from the stored text, and
// reports the first event that is wrong. Read-only. Yields to the event loop between pages so a daemon stays
// responsive while it checks a long log.
import type { Store } from "../store/index.js";
import { GENESIS_HASH, hashEvent } from "./chain.js";
import type { EventRow } from "./query.js";
import type { VerifyResult } from "./types.js";

const PAGE = 10_000;

export async function verifyChain(store: Store): Promise<VerifyResult> {
  // The head is read first: events appended while we walk lie past it and are left for the next run.
  const head = store.prepare("SELECT seq, hash FROM audit_head WHERE id = 1").get() as
    | { seq: number; hash: string }
    | undefined;
  const page = store.prepare(
    "SELECT seq, ts, type, actor, task, data, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?",
  );
  let expected = 1;
  let prev = GENESIS_HASH;
  const limit = head?.seq ?? Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows = page.all(expected - 1, PAGE) as EventRow[];
    for (const row of rows) {
      if (row.seq > limit) return { ok: false, seq: row.seq, problem: "head_mismatch", checked: expected - 1 };
      if (row.seq !== expected) return { ok: false, seq: expected, problem: "missing", checked: expected - 1 };
      const checked = expected - 1;
      if (row.prev_hash !== prev) return { ok: false, seq: row.seq, problem: "prev_hash_mismatch", checked };
      const hash = hashEvent({
        seq: row.seq,
        ts: row.ts,
        type: row.type,
        actor: row.actor,
        task: row.task,
        dataText: row.data,
        prevHash: row.prev_hash,
      });
      if (hash !== row.hash) return { ok: false, seq: row.seq, problem: "hash_mismatch", checked };
      prev = row.hash;
      expected++;
    }
    if (rows.length < PAGE) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
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
