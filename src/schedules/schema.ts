// Migrations of the schedules domain: schedules added by the owner at run time, and every schedule's firing state
// (config ones included), so a restart knows what it missed. Never edit a released migration; add one.
import type { Migration } from "../store/index.js";

export const SCHEDULES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "schedules and their firing state",
    sql: `
      CREATE TABLE schedules (
        name TEXT PRIMARY KEY,
        cron TEXT NOT NULL,
        tz TEXT,
        prompt TEXT NOT NULL,
        workspace TEXT,
        approval_expiry_seconds INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE schedule_state (
        name TEXT PRIMARY KEY,
        first_seen INTEGER NOT NULL,
        last_fire INTEGER
      );
    `,
  },
  {
    version: 2,
    name: "the policy profile of an added schedule",
    sql: "ALTER TABLE schedules ADD COLUMN profile TEXT;",
  },
];
