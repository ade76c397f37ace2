// The daemon's own table: one row per run, so a start-up can tell whether the previous run stopped cleanly.
import type { Store } from "../store/index.js";

const migrations = [
  {
    version: 1,
    name: "daemon runs",
    sql: `CREATE TABLE daemon_runs (
      id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, version TEXT NOT NULL,
      started_at TEXT NOT NULL, stopped_at TEXT)`,
  },
];

export interface PreviousRun {
  pid: number;
  startedAt: string;
  stoppedAt: string | null;
  clean: boolean;
}

export class RunLog {
  private id: number | bigint | undefined;

  constructor(private readonly store: Store) {
    store.migrate("daemon", migrations);
  }

  /** Record this run; returns the previous one (not clean when it never recorded a stop). */
  begin(pid: number, version: string): PreviousRun | undefined {
    const last = this.store
      .prepare("SELECT pid, started_at AS startedAt, stopped_at AS stoppedAt FROM daemon_runs ORDER BY id DESC LIMIT 1")
      .get() as Omit<PreviousRun, "clean"> | undefined;
    this.id = this.store
      .prepare("INSERT INTO daemon_runs (pid, version, started_at) VALUES (?, ?, ?)")
      .run(pid, version, new Date().toISOString()).lastInsertRowid;
    return last && { ...last, clean: last.stoppedAt !== null };
  }

  end(): void {
    if (this.id === undefined) return;
    this.store.prepare("UPDATE daemon_runs SET stopped_at = ? WHERE id = ?").run(new Date().toISOString(), this.id);
    this.id = undefined;
  }
}
