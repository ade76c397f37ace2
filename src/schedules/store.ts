// Persistence of schedules: the ones the owner added (the config's are never written here) and, for every schedule,
// when it was first seen and the run time it last fired for. Never decides when anything runs.
import type { Store } from "../store/index.js";
import { SCHEDULES_MIGRATIONS } from "./schema.js";
import type { Schedule, ScheduleState } from "./types.js";

interface Row {
  name: string;
  cron: string;
  tz: string | null;
  prompt: string;
  workspace: string | null;
  approval_expiry_seconds: number;
  profile: string | null;
}

const toSchedule = (r: Row): Schedule => ({
  name: r.name,
  cron: r.cron,
  prompt: r.prompt,
  approvalExpirySeconds: r.approval_expiry_seconds,
  source: "owner",
  ...(r.workspace !== null ? { workspace: r.workspace } : {}),
  ...(r.tz !== null ? { tz: r.tz } : {}),
  ...(r.profile !== null ? { profile: r.profile } : {}),
});

/** Contract: methods throw only the store's own failures. */
export class ScheduleStore {
  private constructor(private readonly store: Store) {}

  static open(store: Store): ScheduleStore {
    store.migrate("schedules", SCHEDULES_MIGRATIONS);
    return new ScheduleStore(store);
  }

  added(): Schedule[] {
    return (this.store.prepare("SELECT * FROM schedules ORDER BY name").all() as Row[]).map(toSchedule);
  }

  /** False when the name is taken. */
  add(s: Omit<Schedule, "source">, now: Date): boolean {
    const info = this.store
      .prepare(
        `INSERT INTO schedules (name, cron, tz, prompt, workspace, approval_expiry_seconds, created_at, profile)
         VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(name) DO NOTHING`,
      )
      .run(
        s.name,
        s.cron,
        s.tz ?? null,
        s.prompt,
        s.workspace ?? null,
        s.approvalExpirySeconds,
        now.toISOString(),
        s.profile ?? null,
      );
    return info.changes === 1;
  }

  /** Forget an added schedule and its state; false when there was none. */
  remove(name: string): boolean {
    return this.store.transaction(() => {
      const info = this.store.prepare("DELETE FROM schedules WHERE name = ?").run(name);
      if (info.changes === 1) this.store.prepare("DELETE FROM schedule_state WHERE name = ?").run(name);
      return info.changes === 1;
    });
  }

  /** The state of `name`, recording `now` as its first sighting when it has none. */
  state(name: string, now: number): ScheduleState {
    this.store
      .prepare(
        "INSERT INTO schedule_state (name, first_seen, last_fire) VALUES (?,?,NULL) ON CONFLICT(name) DO NOTHING",
      )
      .run(name, now);
    const row = this.store.prepare("SELECT first_seen, last_fire FROM schedule_state WHERE name = ?").get(name) as {
      first_seen: number;
      last_fire: number | null;
    };
    return { firstSeen: row.first_seen, lastFire: row.last_fire };
  }

  fired(name: string, at: number): void {
    this.store.prepare("UPDATE schedule_state SET last_fire = ? WHERE name = ?").run(at, name);
  }
}
