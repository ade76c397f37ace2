// Public API of the store domain.
export { type SqliteOptions, SqliteStore } from "./sqlite.js";
export type { Migration, Statement, Store } from "./types.js";
