// The SQLite driver, required rather than imported: better-sqlite3 is CommonJS, and an ES import of it first scans
// all its files for export names, a few milliseconds of every start. The state database and the daemon lock use it.
import { createRequire } from "node:module";
import type Sqlite from "better-sqlite3";

export type { Sqlite };

export const Database = createRequire(import.meta.url)("better-sqlite3") as typeof Sqlite;
