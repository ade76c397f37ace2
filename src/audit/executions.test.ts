import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore, type Store } from "../store/index.js";
import { ExecutionJournal } from "./executions.js";
import { AuditLog } from "./log.js";

const opened: Store[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

function open() {
  const store = SqliteStore.open(":memory:");
  opened.push(store);
  const audit = AuditLog.open(store);
  return { store, audit, journal: ExecutionJournal.open(store, audit) };
}

const action = { tool: "exec", argv: ["ls", "-l"], cwd: "/w" };

describe("ExecutionJournal", () => {
  it("records start and end with their audit events", async () => {
    const { audit, journal } = open();
    const started = journal.begin({ task: "t1", actor: "agent:a", action, data: { approval: "ap_x" } });
    expect(started.state).toBe("started");
    const ended = journal.end(started.id, { exitCode: 0, durationMs: 12, bytesOut: 40 });
    expect(ended).toMatchObject({ state: "ended", exitCode: 0, startSeq: 1, endSeq: 2 });
    const events = audit.tail(5);
    expect(events.map((e) => e.type)).toEqual(["exec.start", "exec.end"]);
    expect(events[0]!.data).toMatchObject({ execution: started.id, action, approval: "ap_x" });
    expect(events[1]!.data).toMatchObject({ execution: started.id, exitCode: 0, bytesOut: 40 });
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it("marks started-but-not-ended executions interrupted, once, and refuses to end them afterwards", () => {
    const { audit, journal } = open();
    const a = journal.begin({ task: "t1", actor: "agent:a", action });
    const b = journal.begin({ task: "t1", actor: "agent:a", action: { ...action, argv: ["pwd"] } });
    journal.end(b.id, { exitCode: 1 });
    const recovered = journal.recoverInterrupted();
    expect(recovered.map((r) => [r.id, r.state])).toEqual([[a.id, "interrupted"]]);
    expect(journal.recoverInterrupted()).toEqual([]);
    expect(() => journal.end(a.id, { exitCode: 0 })).toThrow(expect.objectContaining({ code: "CONFLICT" }));
    expect(journal.list({ state: "interrupted" }).map((r) => r.id)).toEqual([a.id]);
    expect(audit.tail(1)[0]).toMatchObject({ type: "exec.interrupted", data: { execution: a.id, rerun: false } });
  });

  it("writes nothing when the audit event cannot be written", () => {
    const { store, journal } = open();
    const failing = ExecutionJournal.open(store, {
      append: () => Promise.reject(new Error("disk full")),
      appendSync: () => {
        throw new Error("disk full");
      },
    });
    expect(() => failing.begin({ task: "t", actor: "a", action })).toThrow("disk full");
    expect(journal.list()).toEqual([]);
  });
});
