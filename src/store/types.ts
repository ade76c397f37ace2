// The Store interface: Warden's one SQLite database, shared by every domain. Each domain owns its own tables and
// brings its own numbered migrations; nothing outside a domain touches that domain's tables.

/** A statement prepared once and reused; parameters are positional or named, as in better-sqlite3. */
export interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface Migration {
  /** 1, 2, 3...: applied in order, each exactly once, never edited after release. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Contract: `migrate` applies a domain's pending migrations in order, each in its own transaction, and refuses a
 * database that is newer than the code (STORE_FAILED). `prepare` caches by SQL text. `transaction` commits when `fn`
 * returns and rolls back when it throws (and rethrows). After `close` every other call throws.
 */
export interface Store {
  readonly path: string;
  migrate(domain: string, migrations: readonly Migration[]): number;
  prepare(sql: string): Statement;
  transaction<T>(fn: () => T): T;
  close(): void;
}
