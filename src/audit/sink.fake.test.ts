import { describe, expect, it } from "vitest";
import { SqliteStore } from "../store/index.js";
import { AuditLog } from "./log.js";
import { MemoryAuditSink } from "./sink.fake.js";
import type { AuditSink } from "./types.js";

// One contract, run against the fake and the real log.
const implementations: Record<string, () => AuditSink> = {
  memory: () => new MemoryAuditSink(),
  sqlite: () => AuditLog.open(SqliteStore.open(":memory:")),
};

for (const [name, make] of Object.entries(implementations)) {
  describe(`AuditSink contract: ${name}`, () => {
    it("numbers and chains events, sync and async alike", async () => {
      const sink = make();
      const a = sink.appendSync({ type: "a.b", actor: "x", data: { k: [1, "two"] } });
      const b = await sink.append({ type: "a.c", actor: "y", task: "t" });
      expect([a.seq, b.seq]).toEqual([1, 2]);
      expect(b.prev_hash).toBe(a.hash);
      expect(a.data).toEqual({ k: [1, "two"] });
      expect(b.task).toBe("t");
    });

    it("refuses a malformed event", async () => {
      const sink = make();
      expect(() => sink.appendSync({ type: "", actor: "x" })).toThrow(expect.objectContaining({ code: "BAD_REQUEST" }));
      await expect(sink.append({ type: "a.b", actor: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    });
  });
}
