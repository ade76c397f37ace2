// The outbox: every message Warden sent on the owner's local channel, kept in SQLite so `warden chat` and the web UI
// can show what was said while they were not watching. Append-only from Warden's side; texts arrive redacted.
import { randomBytes } from "node:crypto";
import type { Migration, Store } from "../store/index.js";
import type { SentMessage } from "./adapter.js";

export const CHANNELS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "outbox",
    sql: `
      CREATE TABLE channel_messages (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        recipient TEXT NOT NULL,
        text TEXT NOT NULL,
        task_id TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX channel_messages_task ON channel_messages(task_id);
    `,
  },
];

interface Row {
  id: string;
  channel: string;
  recipient: string;
  text: string;
  task_id: string | null;
  created_at: string;
}

export class Outbox {
  private constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
  ) {}

  static open(store: Store, clock: () => Date = () => new Date()): Outbox {
    store.migrate("channels", CHANNELS_MIGRATIONS);
    return new Outbox(store, clock);
  }

  add(m: { channel: string; to: string; text: string; task: string | null }): SentMessage {
    const id = `m_${randomBytes(9).toString("base64url")}`;
    const sentAt = this.clock().toISOString();
    this.store
      .prepare("INSERT INTO channel_messages (id, channel, recipient, text, task_id, created_at) VALUES (?,?,?,?,?,?)")
      .run(id, m.channel, m.to, m.text, m.task, sentAt);
    return { id, channel: m.channel, to: m.to, text: m.text, task: m.task, sentAt };
  }

  /** Newest last; at most `limit` (default 100) of the latest. */
  list(filter: { channel?: string; task?: string; limit?: number } = {}): SentMessage[] {
    const rows = this.store
      .prepare(
        `SELECT * FROM (SELECT rowid AS r, * FROM channel_messages
           WHERE (@channel IS NULL OR channel = @channel) AND (@task IS NULL OR task_id = @task)
           ORDER BY rowid DESC LIMIT @limit) ORDER BY r`,
      )
      .all({ channel: filter.channel ?? null, task: filter.task ?? null, limit: filter.limit ?? 100 }) as Row[];
    return rows.map((r) => ({
      id: r.id,
      channel: r.channel,
      to: r.recipient,
      text: r.text,
      task: r.task_id,
      sentAt: r.created_at,
    }));
  }
}
