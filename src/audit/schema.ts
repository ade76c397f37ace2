// The audit domain's tables. Events are append-only: triggers refuse UPDATE and DELETE on them, so a bug elsewhere
// cannot rewrite history (someone with the file can still drop the triggers: that is what verify is for).
import type { Migration } from "../store/index.js";

export const AUDIT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "events, head, executions",
    sql: `
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  ts TEXT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  task TEXT,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_events_task ON audit_events (task, seq);
CREATE INDEX audit_events_ts ON audit_events (ts);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE audit_executions (
  id TEXT PRIMARY KEY,
  task TEXT,
  action_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('started', 'ended', 'interrupted')),
  started_at TEXT NOT NULL,
  ended_at TEXT,
  exit_code INTEGER,
  start_seq INTEGER NOT NULL,
  end_seq INTEGER
);
CREATE INDEX audit_executions_state ON audit_executions (state);
`,
  },
];
