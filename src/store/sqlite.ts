// SQLite store on better-sqlite3: WAL journal, full fsync on commit, foreign keys on, write transactions IMMEDIATE.
// Opening maps SQLite's failures (not a database, corrupt, read-only, locked) to STORE_FAILED with a fix; it never
// creates a fresh database over a damaged one.
import { closeSync, openSync } from "node:fs";

import { WardenError } from "../errors.js";
import { Database, type Sqlite } from "./driver.js";
import type { Migration, Statement, Store } from "./types.js";

export interface SqliteOptions {
  /** `full` fsyncs every commit (survives power loss); `normal` survives a process crash only. */
  durability?: "full" | "normal";
  readonly?: boolean;
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  domain TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,
  PRIMARY KEY (domain, version))`;

export class SqliteStore implements Store {
  readonly path: string;
  private readonly db: Sqlite.Database;
  private readonly statements = new Map<string, Sqlite.Statement>();

  private constructor(path: string, db: Sqlite.Database) {
    this.path = path;
    this.db = db;
  }

  /** Open (or create) the database at `path`; `:memory:` gives a private in-memory store for tests. */
  static open(path: string, options: SqliteOptions = {}): SqliteStore {
    let db: Sqlite.Database | undefined;
    try {
      // Create the file owner-only before SQLite does (it copies the mode to its -wal and -shm files).
      if (path !== ":memory:" && !options.readonly) closeSync(openSync(path, "a", 0o600));
      db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
      db.pragma("busy_timeout = 5000");
      if (!options.readonly) {
        if (path !== ":memory:") db.pragma("journal_mode = WAL");
        db.pragma(`synchronous = ${options.durability === "normal" ? "NORMAL" : "FULL"}`);
        db.pragma("foreign_keys = ON");
        db.exec(MIGRATIONS_TABLE);
      }
      return new SqliteStore(path, db);
    } catch (e) {
      db?.close();
      throw storeError(path, e);
    }
  }

  migrate(domain: string, migrations: readonly Migration[]): number {
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    sorted.forEach((m, i) => {
      if (m.version !== i + 1) throw new WardenError("INTERNAL", `migrations of ${domain} must be numbered 1..n`);
    });
    const row = this.prepare("SELECT MAX(version) AS v FROM schema_migrations WHERE domain = ?").get(domain) as {
      v: number | null;
    };
    const current = row.v ?? 0;
    if (current > sorted.length) {
      throw new WardenError(
        "STORE_FAILED",
        `database ${this.path} has ${domain} schema version ${current}, newer than this Warden knows (${sorted.length})`,
        { fix: "run the Warden version that created this database, or restore a backup" },
      );
    }
    const record = this.prepare("INSERT INTO schema_migrations (domain, version, name, applied_at) VALUES (?,?,?,?)");
    for (const m of sorted.slice(current)) {
      this.transaction(() => {
        this.db.exec(m.sql);
        record.run(domain, m.version, m.name, new Date().toISOString());
      });
    }
    return sorted.length;
  }

  prepare(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt as Statement;
  }

  transaction<T>(fn: () => T): T {
    // IMMEDIATE takes the write lock at BEGIN, waiting up to busy_timeout for it. A deferred transaction that reads
    // and then writes fails at once with SQLITE_BUSY when another process wrote in between (WAL cannot upgrade a
    // stale snapshot, and the busy handler is not consulted): a CLI and the daemon share this file.
    const run = this.db.transaction(fn);
    return this.db.readonly ? run() : run.immediate();
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}

function storeError(path: string, e: unknown): WardenError {
  const code = (e as { code?: string }).code ?? "";
  const message = e instanceof Error ? e.message : String(e);
  const fix =
    code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT"
      ? "the state database is damaged: move it aside and restore a backup (Warden will not overwrite it)"
      : code === "SQLITE_CANTOPEN" || code === "SQLITE_READONLY"
        ? "check that the home folder exists and is writable by this user (warden doctor)"
        : code === "SQLITE_BUSY"
          ? "another process holds the database; stop it first"
          : "run warden doctor";
  return new WardenError(
    "STORE_FAILED",
    `cannot open state database ${path}: ${message}`,
    { fix, file: path },
    { cause: e },
  );
}
