import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { SqliteStore, type Store } from "../store/index.js";
import { hashEvent } from "./chain.js";
import { AuditLog } from "./log.js";

const opened: Store[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

/** A log of 10 events, with the append-only triggers dropped: the attacker has the file. */
async function tampered() {
  const store = SqliteStore.open(":memory:");
  opened.push(store);
  const audit = AuditLog.open(store);
  for (let i = 1; i <= 10; i++) await audit.append({ type: "a.b", actor: "a", task: "t", data: { i } });
  store.prepare("DROP TRIGGER audit_events_no_update").run();
  store.prepare("DROP TRIGGER audit_events_no_delete").run();
  return { store, audit };
}

type Row = {
  seq: number;
  ts: string;
  type: string;
  actor: string;
  task: string | null;
  data: string;
  prev_hash: string;
  hash: string;
};
const row = (store: Store, seq: number) => store.prepare("SELECT * FROM audit_events WHERE seq = ?").get(seq) as Row;
const rehash = (r: Row) =>
  hashEvent({
    seq: r.seq,
    ts: r.ts,
    type: r.type,
    actor: r.actor,
    task: r.task,
    dataText: r.data,
    prevHash: r.prev_hash,
  });

describe("AuditLog verify", () => {
  it("is OK on an empty log", async () => {
    const store = SqliteStore.open(":memory:");
    opened.push(store);
    expect(await AuditLog.open(store).verify()).toEqual({ ok: true, count: 0, head: null });
  });

  it("catches an edited event at its seq", async () => {
    const { store, audit } = await tampered();
    store.prepare("UPDATE audit_events SET data = '{\"i\":99}' WHERE seq = 4").run();
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 4, problem: "hash_mismatch" });
  });

  it("catches an edit whose hash was recomputed, at the next link", async () => {
    const { store, audit } = await tampered();
    const r = { ...row(store, 4), actor: "someone-else" };
    store.prepare("UPDATE audit_events SET actor = ?, hash = ? WHERE seq = 4").run(r.actor, rehash(r));
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 5, problem: "prev_hash_mismatch" });
  });

  it("catches a deleted event as missing", async () => {
    const { store, audit } = await tampered();
    store.prepare("DELETE FROM audit_events WHERE seq = 6").run();
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 6, problem: "missing" });
  });

  it("catches a truncated tail through the head record", async () => {
    const { store, audit } = await tampered();
    store.prepare("DELETE FROM audit_events WHERE seq > 7").run();
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 8, problem: "missing" });
    // A later append continues after the recorded head, so the hole stays visible.
    await audit.append({ type: "a.b", actor: "a" });
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 8, problem: "missing" });
  });

  it("catches an inserted event (renumbered) and one appended past the head", async () => {
    const { store, audit } = await tampered();
    const last = row(store, 10);
    const extra = { ...last, seq: 11, prev_hash: last.hash, data: '{"forged":true}' };
    store
      .prepare("INSERT INTO audit_events VALUES (?,?,?,?,?,?,?,?)")
      .run(extra.seq, extra.ts, extra.type, extra.actor, extra.task, extra.data, extra.prev_hash, rehash(extra));
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 11, problem: "head_mismatch" });

    const { store: s2, audit: a2 } = await tampered();
    // Shift 5..10 up by one and put a forged event at 5.
    for (let seq = 10; seq >= 5; seq--) s2.prepare("UPDATE audit_events SET seq = seq + 1 WHERE seq = ?").run(seq);
    const four = row(s2, 4);
    const forged = { ...four, seq: 5, prev_hash: four.hash, data: '{"forged":true}' };
    s2.prepare("INSERT INTO audit_events VALUES (?,?,?,?,?,?,?,?)").run(
      forged.seq,
      forged.ts,
      forged.type,
      forged.actor,
      forged.task,
      forged.data,
      forged.prev_hash,
      rehash(forged),
    );
    expect(await a2.verify()).toMatchObject({ ok: false, seq: 6, problem: "prev_hash_mismatch" });
  });

  it("catches two events swapped in place", async () => {
    const { store, audit } = await tampered();
    const a = row(store, 3);
    const b = row(store, 4);
    const set = store.prepare("UPDATE audit_events SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?");
    set.run(b.data, b.prev_hash, b.hash, 3);
    set.run(a.data, a.prev_hash, a.hash, 4);
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 3 });
  });

  it("gives the same answers through a Store whose statements cannot return raw rows", async () => {
    const { store, audit } = await tampered();
    const plain: Store = {
      path: store.path,
      migrate: (d, m) => store.migrate(d, m),
      transaction: (fn) => store.transaction(fn),
      close: () => store.close(),
      prepare: (sql) => {
        const s = store.prepare(sql);
        return { run: (...p) => s.run(...p), get: (...p) => s.get(...p), all: (...p) => s.all(...p) };
      },
    };
    const viaPlain = AuditLog.open(plain);
    expect(await viaPlain.verify()).toMatchObject({ ok: true, count: 10 });
    store.prepare("UPDATE audit_events SET type = 'a.c' WHERE seq = 9").run();
    expect(await viaPlain.verify()).toMatchObject({ ok: false, seq: 9, problem: "hash_mismatch" });
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 9, problem: "hash_mismatch" });
  });

  it("in the background: records the verdict, or stops between pages and records nothing when aborted", async () => {
    const store = SqliteStore.open(":memory:");
    opened.push(store);
    const audit = AuditLog.open(store);
    // More than one page, so the walk has a point between pages where it can stop.
    await Promise.all(Array.from({ length: 4500 }, (_, i) => audit.append({ type: "a.b", actor: "a", data: { i } })));
    const stop = new AbortController();
    const running = audit.verifyInBackground(stop.signal);
    stop.abort();
    expect(await running).toBeUndefined();
    expect(audit.tail(1)[0]?.type).toBe("a.b");
    expect(await audit.verifyInBackground(new AbortController().signal)).toMatchObject({ ok: true, count: 4500 });
    expect(audit.tail(1)[0]).toMatchObject({ seq: 4501, type: "audit.verified", data: { ok: true, count: 4500 } });
  });

  it("records what a check found, without hiding the break", async () => {
    const { store, audit } = await tampered();
    store.prepare("DELETE FROM audit_events WHERE seq = 3").run();
    expect(await audit.verifyAndRecord("owner")).toMatchObject({ ok: false, seq: 3, problem: "missing" });
    expect(audit.tail(1)[0]).toMatchObject({
      seq: 11,
      type: "audit.verified",
      actor: "owner",
      data: { ok: false, seq: 3, problem: "missing" },
    });
    expect(await audit.verify()).toMatchObject({ ok: false, seq: 3, problem: "missing" });
  });

  it("never reports a damaged database file as OK", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "state.db");
    const first = SqliteStore.open(path);
    const audit = AuditLog.open(first);
    await Promise.all(
      Array.from({ length: 3000 }, (_, i) =>
        audit.append({ type: "a.b", actor: "a", data: { i, pad: "x".repeat(200) } }),
      ),
    );
    first.close(); // checkpoints the WAL into the file
    const size = readFileSync(path).length;

    // A page in the middle (event rows) overwritten: the schema still opens, the walk cannot read on.
    const bytes = readFileSync(path);
    const page = Math.floor(size / 2 / 4096) * 4096;
    bytes.fill(0x41, page, page + 4096);
    writeFileSync(path, bytes);
    const overwritten = await verifyOrStoreError(path);
    expect(overwritten).toMatchObject({ ok: false, problem: "unreadable" });
    // Named at the first event it cannot read, after the ones before it checked out.
    expect((overwritten as { seq: number }).seq).toBeGreaterThan(1);

    // Truncated: depending on where the cut falls, opening fails (STORE_FAILED) or the walk stops.
    truncateSync(path, Math.floor(size * 0.6));
    const t = await verifyOrStoreError(path);
    expect(t).toMatchObject({ ok: false });
  });

  it("catches a removed head record", async () => {
    const { store, audit } = await tampered();
    store.prepare("DELETE FROM audit_head").run();
    expect(await audit.verify()).toMatchObject({ ok: false, problem: "head_mismatch" });
  });
});

/** Verify a file, or the STORE_FAILED error opening it gives: a damaged file must give one or the other. */
async function verifyOrStoreError(path: string): Promise<unknown> {
  let store: SqliteStore | undefined;
  try {
    store = SqliteStore.open(path);
    return await AuditLog.open(store).verify();
  } catch (e) {
    expect(e).toMatchObject({ code: "STORE_FAILED" });
    return { ok: false, error: "STORE_FAILED" };
  } finally {
    store?.close();
  }
}
