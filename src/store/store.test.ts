import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { WardenError } from "../errors.js";
import { SqliteStore } from "./sqlite.js";
import type { Store } from "./types.js";

const notes = [
  { version: 1, name: "create", sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)" },
  { version: 2, name: "add tag", sql: "ALTER TABLE notes ADD COLUMN tag TEXT" },
];

// One contract suite, run against every way of opening a Store.
const implementations: Record<string, (dir: string) => Store> = {
  file: (dir) => SqliteStore.open(join(dir, "state.db")),
  memory: () => SqliteStore.open(":memory:"),
};

for (const [name, open] of Object.entries(implementations)) {
  describe(`Store contract: ${name}`, () => {
    const opened: Store[] = [];
    afterEach(() => {
      for (const s of opened.splice(0)) s.close();
    });

    it("applies numbered migrations once and in order", async () => {
      await using dir = await tempDir();
      const store = open(dir.path);
      opened.push(store);
      expect(store.migrate("notes", [notes[1]!, notes[0]!])).toBe(2);
      expect(store.migrate("notes", notes)).toBe(2);
      store.prepare("INSERT INTO notes (body, tag) VALUES (?, ?)").run("hello", "t");
      expect(store.prepare("SELECT body, tag FROM notes").all()).toEqual([{ body: "hello", tag: "t" }]);
      const applied = store.prepare("SELECT version FROM schema_migrations WHERE domain = 'notes'").all();
      expect(applied).toEqual([{ version: 1 }, { version: 2 }]);
    });

    it("rejects gaps in migration numbers", async () => {
      await using dir = await tempDir();
      const store = open(dir.path);
      opened.push(store);
      expect(() => store.migrate("bad", [notes[1]!])).toThrow(/numbered 1..n/);
    });

    it("rolls a failed transaction back and rethrows", async () => {
      await using dir = await tempDir();
      const store = open(dir.path);
      opened.push(store);
      store.migrate("notes", notes);
      const insert = store.prepare("INSERT INTO notes (body) VALUES (?)");
      expect(() =>
        store.transaction(() => {
          insert.run("kept?");
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(store.prepare("SELECT COUNT(*) AS n FROM notes").get()).toEqual({ n: 0 });
    });

    it("throws after close", async () => {
      await using dir = await tempDir();
      const store = open(dir.path);
      store.close();
      expect(() => store.prepare("SELECT 1").get()).toThrow();
    });
  });
}

describe("SqliteStore on disk", () => {
  it("uses WAL and keeps data across reopen", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "state.db");
    const a = SqliteStore.open(path);
    a.migrate("notes", notes);
    a.prepare("INSERT INTO notes (body) VALUES ('x')").run();
    expect(a.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    a.close();
    const b = SqliteStore.open(path);
    expect(b.prepare("SELECT body FROM notes").all()).toEqual([{ body: "x" }]);
    b.close();
  });

  it("takes the write lock when a transaction begins, so another process's write cannot make it fail halfway", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "state.db");
    const store = SqliteStore.open(path);
    store.migrate("notes", notes);
    // Another process, impatient: it waits 20 ms for a lock.
    const other = new Database(path, { timeout: 20 });
    let otherError: unknown;
    store.transaction(() => {
      store.prepare("SELECT COUNT(*) AS n FROM notes").get(); // read first, as approval requests do
      try {
        other.prepare("INSERT INTO notes (body) VALUES ('other')").run();
      } catch (e) {
        otherError = e;
      }
      store.prepare("INSERT INTO notes (body) VALUES ('mine')").run();
    });
    expect((otherError as { code?: string }).code).toBe("SQLITE_BUSY");
    expect(store.prepare("SELECT body FROM notes").all()).toEqual([{ body: "mine" }]);
    other.prepare("INSERT INTO notes (body) VALUES ('other')").run(); // free again once it committed
    other.close();
    store.close();
  });

  it("refuses a database newer than the code", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "state.db");
    const a = SqliteStore.open(path);
    a.migrate("notes", notes);
    a.close();
    const b = SqliteStore.open(path);
    expect(() => b.migrate("notes", [notes[0]!])).toThrow(/newer than this Warden knows/);
    b.close();
  });

  it("reports a damaged file as STORE_FAILED and leaves it untouched", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "state.db");
    const garbage = "this is not a sqlite database ".repeat(200);
    writeFileSync(path, garbage);
    let caught: unknown;
    try {
      SqliteStore.open(path).migrate("notes", notes);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WardenError);
    expect((caught as WardenError).code).toBe("STORE_FAILED");
    expect((caught as WardenError).details.fix).toMatch(/damaged/);
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(path, "utf8")).toBe(garbage);
  });
});
