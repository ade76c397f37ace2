// The scheduler: decides when each schedule fires and starts its run. One timer for the earliest next run (and a
// check at least every minute, so a wall-clock jump or a suspend is noticed). However many run times passed since a
// schedule last fired (a daemon that was down, a long suspend), it fires once, for the latest of them: never a burst.
// A schedule never overlaps itself: a run time that comes while its previous run still goes is skipped, and said.
import { type CronSchedule, parseCron } from "./cron.js";
import type { ScheduleStore } from "./store.js";
import type { Schedule } from "./types.js";

export interface SchedulerDeps {
  /** Every schedule defined right now (config and owner's). */
  schedules(): readonly Schedule[];
  store: Pick<ScheduleStore, "state" | "fired">;
  /**
   * Start one run; resolves when it ended. `missed`: the run time passed more than a minute ago (the daemon was down
   * then). Must not reject; a rejection is dropped.
   */
  run(schedule: Schedule, firedFor: Date, missed: boolean): Promise<void>;
  /** A run time that did not start a run, and why. */
  skipped(schedule: Schedule, firedFor: Date, reason: string): void;
  /** Epoch milliseconds. */
  clock?: () => number;
  /** Longest sleep between two checks (default 60 s). */
  maxSleepMs?: number;
}

const LATE_MS = 60_000;

export class Scheduler {
  private readonly running = new Map<string, Promise<void>>();
  private readonly parsed = new Map<string, CronSchedule | null>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly clock: () => number;

  constructor(private readonly deps: SchedulerDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /** Fire what is due now (the catch-up of runs missed while the daemon was down), then keep time. */
  start(): void {
    this.stopped = false;
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  /**
   * Count `run` as a run of `name` in progress (a run the previous daemon left queued or waiting, going on now), so
   * the schedule does not overlap it. Call before `start`.
   */
  adopt(name: string, run: Promise<void>): void {
    const tracked = run
      .catch(() => undefined)
      .finally(() => {
        if (this.running.get(name) === tracked) this.running.delete(name);
      });
    this.running.set(name, tracked);
  }

  /** Resolves once every run started so far has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  /** The next run time of `schedule` after now, or null when it has none. */
  next(schedule: Schedule): Date | null {
    return this.cron(schedule)?.next(new Date(this.clock())) ?? null;
  }

  /** Look at every schedule now: fire each one that is due, then sleep until the next run time. */
  tick(): void {
    if (this.stopped) return;
    const now = this.clock();
    for (const s of this.deps.schedules()) {
      const cron = this.cron(s);
      if (!cron) continue; // validated when it was defined; a bad one can only come from a hand-edited database
      const state = this.deps.store.state(s.name, now);
      const due = cron.next(new Date(state.lastFire ?? state.firstSeen));
      if (due === null || due.getTime() > now) continue;
      const latest = cron.previous(new Date(now)) ?? due;
      this.deps.store.fired(s.name, latest.getTime());
      if (this.running.has(s.name)) {
        this.deps.skipped(s, latest, "its previous run is still going");
        continue;
      }
      const run = this.deps
        .run(s, latest, now - latest.getTime() > LATE_MS)
        .catch(() => undefined)
        .finally(() => this.running.delete(s.name));
      this.running.set(s.name, run);
    }
    this.arm(now);
  }

  private arm(now: number): void {
    if (this.timer) clearTimeout(this.timer);
    let wake = now + (this.deps.maxSleepMs ?? 60_000);
    for (const s of this.deps.schedules()) {
      const at = this.cron(s)?.next(new Date(now))?.getTime();
      if (at !== undefined && at < wake) wake = at;
    }
    this.timer = setTimeout(() => this.tick(), Math.max(0, wake - now));
    this.timer.unref();
  }

  private cron(s: Schedule): CronSchedule | null {
    const key = `${s.cron}\u0000${s.tz ?? ""}`;
    let c = this.parsed.get(key);
    if (c === undefined) {
      const r = parseCron(s.cron, s.tz);
      c = r.ok ? r.value : null;
      this.parsed.set(key, c);
    }
    return c;
  }
}
