// The approvals domain's tables: requests, task-scoped grants, and proposed rules. Times are epoch milliseconds.
import type { Migration } from "../store/index.js";

export const APPROVALS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "requests, grants, proposals",
    sql: `
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  task TEXT NOT NULL,
  action TEXT NOT NULL,
  action_hash TEXT NOT NULL,
  feedback_key TEXT NOT NULL,
  decision TEXT NOT NULL,
  approvers TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'expired', 'cancelled')),
  scope TEXT CHECK (scope IN ('once', 'task', 'always')),
  reason TEXT,
  answered_by TEXT,
  granted_by TEXT,
  requested_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  resolved_at INTEGER,
  consumed_at INTEGER
);
CREATE INDEX approvals_pending ON approvals (state, expires_at);
CREATE INDEX approvals_task ON approvals (task, action_hash);
CREATE INDEX approvals_feedback ON approvals (feedback_key, state, scope);
CREATE TABLE approval_grants (
  task TEXT NOT NULL,
  action_hash TEXT NOT NULL,
  approval_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (task, action_hash)
);
CREATE TABLE approval_proposals (
  id TEXT PRIMARY KEY,
  feedback_key TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('always', 'feedback')),
  approval_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  diff TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('proposed', 'accepted', 'dismissed')),
  created_at INTEGER NOT NULL,
  answered_at INTEGER,
  answered_by TEXT
);
CREATE INDEX approval_proposals_key ON approval_proposals (feedback_key, created_at);
`,
  },
];
