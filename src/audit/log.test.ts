import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { ValueRedactor } from "../log/index.js";
import { SqliteStore, type Store } from "../store/index.js";
import { GENESIS_HASH, hashEvent } from "./chain.js";
import { AuditLog } from "./log.js";
import type { AuditEvent } from "./types.js";

const opened: Store[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

function open(path = ":memory:", options: Parameters<typeof AuditLog.open>[1] = {}) {
  const store = SqliteStore.open(path);
  opened.push(store);
  return { store, audit: AuditLog.open(store, options) };
}

describe("AuditLog append", () => {
  it("chains events from genesis with SHA-256 over the canonical encoding", async () => {
    const { audit } = open();
    const a = await audit.append({ type: "task.created", actor: "owner", task: "t1", data: { b: 2, a: 1 } });
    const b = await audit.append({ type: "task.ended", actor: "warden", task: "t1" });
    expect(a.seq).toBe(1);
    expect(a.prev_hash).toBe(GENESIS_HASH);
    expect(a.hash).toBe(
      hashEvent({
        seq: 1,
        ts: a.ts,
        type: a.type,
        actor: "owner",
        task: "t1",
        dataText: '{"a":1,"b":2}',
        prevHash: GENESIS_HASH,
      }),
    );
    expect(b.seq).toBe(2);
    expect(b.prev_hash).toBe(a.hash);
    expect(b.data).toEqual({});
    expect(await audit.verify()).toEqual({ ok: true, count: 2, head: { seq: 2, hash: b.hash } });
  });

  it("writes events that arrive together in one group and gives each caller its own event", async () => {
    const { audit } = open();
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => audit.append({ type: "tool.proposed", actor: "agent:a", data: { i } })),
    );
    expect(results.map((e) => e.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(results.map((e) => e.data.i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect((await audit.verify()).ok).toBe(true);
  });

  it("splits a large burst into several transactions without breaking the chain", async () => {
    const { audit } = open(":memory:", { maxBatch: 7 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => audit.append({ type: "x.y", actor: "a", data: { i } })));
    expect(await audit.verify()).toMatchObject({ ok: true, count: 50 });
  });

  it("interleaves synchronous and queued appends on one chain", async () => {
    const { audit } = open();
    const queued = audit.append({ type: "a.one", actor: "a" });
    const now = audit.appendSync({ type: "a.two", actor: "a" });
    expect(now.seq).toBe(1);
    expect((await queued).seq).toBe(2);
    expect(await audit.verify()).toMatchObject({ ok: true, count: 2 });
  });

  it("redacts secret values in data, keys, actor and task as a second line of defence", async () => {
    const redactor = new ValueRedactor();
    redactor.add("TOKEN", "s3cr3t-value");
    const { audit } = open(":memory:", { redactor });
    const e = await audit.append({
      type: "secret.used",
      actor: "agent:s3cr3t-value",
      task: "t-s3cr3t-value",
      data: { name: "TOKEN", nested: [{ "s3cr3t-value": 'quote"s3cr3t-value' }] },
    });
    expect(JSON.stringify(e)).not.toContain("s3cr3t-value");
    expect(JSON.stringify(audit.tail(1))).not.toContain("s3cr3t-value");
    expect(e.data.nested).toEqual([{ "[secret:TOKEN]": 'quote"[secret:TOKEN]' }]);
  });

  it("rejects malformed events without writing anything", async () => {
    const { audit } = open();
    await expect(audit.append({ type: "Not A Type", actor: "a" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(audit.append({ type: "a.b", actor: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(audit.append({ type: "a.b", actor: "a", data: { n: Number.NaN } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(audit.tail(10)).toEqual([]);
  });

  it("rejects every waiting caller when the store fails, and the chain stays whole", async () => {
    const store = SqliteStore.open(":memory:");
    const audit = AuditLog.open(store);
    await audit.append({ type: "a.b", actor: "a" });
    const pending = audit.append({ type: "a.c", actor: "a" });
    store.close();
    await expect(pending).rejects.toMatchObject({ code: "STORE_FAILED" });
  });

  it("keeps the chain after a reopen of the file", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "state.db");
    const first = open(path);
    const a = await first.audit.append({ type: "a.b", actor: "a" });
    first.store.close();
    const second = open(path);
    const b = await second.audit.append({ type: "a.c", actor: "a" });
    expect(b.prev_hash).toBe(a.hash);
    expect(await second.audit.verify()).toMatchObject({ ok: true, count: 2 });
  });

  it("refuses UPDATE and DELETE on events through SQL", async () => {
    const { store, audit } = open();
    await audit.append({ type: "a.b", actor: "a" });
    expect(() => store.prepare("UPDATE audit_events SET actor = 'x'").run()).toThrow(/append-only/);
    expect(() => store.prepare("DELETE FROM audit_events").run()).toThrow(/append-only/);
  });
});

describe("AuditLog reading", () => {
  it("exports by task, since a time and after a seq, as JSON lines", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const { audit } = open(":memory:", { clock: () => new Date(now) });
    for (let i = 0; i < 6; i++) {
      now += 60_000;
      await audit.append({ type: "message.in", actor: "owner", task: i % 2 ? "odd" : "even", data: { i } });
    }
    expect([...audit.export({ task: "odd" })].map((e) => e.data.i)).toEqual([1, 3, 5]);
    expect([...audit.export({ since: "2026-01-01T00:04:00Z" })].map((e) => e.seq)).toEqual([4, 5, 6]);
    expect([...audit.export({ afterSeq: 5 })].map((e) => e.seq)).toEqual([6]);
    const lines = [...audit.exportJsonl({ task: "even" })];
    expect(lines.every((l) => l.endsWith("\n"))).toBe(true);
    expect(lines.map((l) => (JSON.parse(l) as AuditEvent).data.i)).toEqual([0, 2, 4]);
  });

  it("tails the last events oldest first, and follows new ones without a gap", async () => {
    const { audit } = open();
    for (let i = 0; i < 5; i++) await audit.append({ type: "a.b", actor: "a", data: { i } });
    expect(audit.tail(2).map((e) => e.seq)).toEqual([4, 5]);
    const seen: number[] = [];
    const stop = audit.follow((e) => seen.push(e.seq), { backlog: 2 });
    await audit.append({ type: "a.b", actor: "a" });
    audit.appendSync({ type: "a.b", actor: "a" });
    stop();
    await audit.append({ type: "a.b", actor: "a" });
    expect(seen).toEqual([4, 5, 6, 7]);
    const replay: number[] = [];
    audit.follow((e) => replay.push(e.seq), { afterSeq: 6 });
    expect(replay).toEqual([7, 8]);
  });

  it("drops a follower that throws and keeps appending", async () => {
    const { audit } = open();
    audit.follow(() => {
      throw new Error("socket closed");
    });
    await audit.append({ type: "a.b", actor: "a" });
    await expect(audit.append({ type: "a.b", actor: "a" })).resolves.toMatchObject({ seq: 2 });
  });
});

describe("AuditLog export input", () => {
  it("refuses a --since that is not a time", () => {
    const { audit } = open();
    expect(() => [...audit.export({ since: "yesterday-ish" })]).toThrow(expect.objectContaining({ code: "USAGE" }));
  });
});

describe("auditConfigSchema", () => {
  it("fills defaults and refuses unknown keys", async () => {
    const { auditConfigSchema } = await import("./config.js");
    expect(auditConfigSchema.parse({})).toEqual({ modelContent: "redacted", verifyOnStart: true });
    expect(auditConfigSchema.safeParse({ verifyOnStrat: false }).success).toBe(false);
  });
});
