// Migrations of the tasks domain: the tasks table, their transcripts, the grants a task holds, the questions a task
// asked its owner, and the schedule and policy profile of a scheduled run. Never edit a released migration; add one.
import type { Migration } from "../store/index.js";

export const TASKS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "tasks and transcripts",
    sql: `
      CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        parent_id TEXT REFERENCES tasks(id),
        principal TEXT NOT NULL CHECK (principal IN ('owner','paired','schedule')),
        agent TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN
          ('queued','running','waiting_approval','done','failed','cancelled','interrupted')),
        prompt TEXT NOT NULL,
        workspace TEXT NOT NULL,
        taint TEXT NOT NULL CHECK (taint IN ('trusted','untrusted')),
        budget_steps INTEGER,
        budget_tokens INTEGER,
        budget_wall_ms INTEGER,
        used_steps INTEGER NOT NULL DEFAULT 0,
        used_tokens INTEGER NOT NULL DEFAULT 0,
        used_wall_ms INTEGER NOT NULL DEFAULT 0,
        result TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX tasks_state ON tasks(state);
      CREATE INDEX tasks_parent ON tasks(parent_id);
      CREATE TABLE task_messages (
        task_id TEXT NOT NULL REFERENCES tasks(id),
        seq INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('system','user','assistant','tool')),
        content TEXT NOT NULL,
        tool_calls TEXT,
        tool_call_id TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (task_id, seq)
      );
    `,
  },
  {
    version: 2,
    name: "task grants and owner questions",
    sql: `
      CREATE TABLE task_grants (
        task_id TEXT NOT NULL REFERENCES tasks(id),
        grant_id TEXT NOT NULL,
        grant_json TEXT NOT NULL,
        PRIMARY KEY (task_id, grant_id)
      );
      CREATE TABLE task_questions (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL REFERENCES tasks(id),
        call_id TEXT NOT NULL,
        text TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending','answered','expired','cancelled')),
        answer TEXT,
        answered_by TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        resolved_at INTEGER,
        UNIQUE (task_id, call_id)
      );
      CREATE INDEX task_questions_pending ON task_questions(state, expires_at);
    `,
  },
  {
    version: 3,
    name: "the schedule a task runs for and its policy profile",
    // Both set by the runtime when the task is created (a scheduled run), never by the model; NULL for other tasks.
    sql: `
      ALTER TABLE tasks ADD COLUMN schedule TEXT;
      ALTER TABLE tasks ADD COLUMN profile TEXT;
    `,
  },
];
