// The scheduler on a fake clock with a real SQLite store: fires at run times, runs once (never a burst) for runs
// missed while the daemon was down, never for times before a schedule was first seen, and never overlaps itself.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { SqliteStore } from "../store/index.js";
import { Scheduler } from "./scheduler.js";
import { ScheduleStore } from "./store.js";
import type { Schedule } from "./types.js";

const T0 = Date.parse("2026-11-25T07:59:00Z");
const daily: Schedule = {
  name: "daily",
  cron: "0 8 * * *",
  tz: "UTC",
  prompt: "p",
  approvalExpirySeconds: 60,
  source: "config",
};
const every5: Schedule = {
  name: "five",
  cron: "*/5 * * * *",
  tz: "UTC",
  prompt: "p",
  approvalExpirySeconds: 60,
  source: "owner",
};

function setup(path: string, schedules: Schedule[], now = { t: T0 }) {
  const store = SqliteStore.open(path, { durability: "normal" });
  const states = ScheduleStore.open(store);
  const runs: { name: string; at: string; missed: boolean; end: () => void }[] = [];
  const skipped: { name: string; at: string; reason: string }[] = [];
  const scheduler = new Scheduler({
    schedules: () => schedules,
    store: states,
    run: (s, at, missed) =>
      new Promise<void>((end) => {
        runs.push({ name: s.name, at: at.toISOString(), missed, end });
      }),
    skipped: (s, at, reason) => skipped.push({ name: s.name, at: at.toISOString(), reason }),
    clock: () => now.t,
  });
  return { store, states, scheduler, runs, skipped, now };
}

describe("Scheduler", () => {
  it("fires at each run time and not before", async () => {
    await using dir = await tempDir();
    const h = setup(join(dir.path, "s.db"), [daily]);
    h.scheduler.start();
    expect(h.runs).toHaveLength(0);
    expect(h.scheduler.next(daily)?.toISOString()).toBe("2026-11-25T08:00:00.000Z");
    h.now.t = Date.parse("2026-11-25T07:59:59.999Z");
    h.scheduler.tick();
    expect(h.runs).toHaveLength(0);
    h.now.t = Date.parse("2026-11-25T08:00:00.000Z");
    h.scheduler.tick();
    h.scheduler.tick();
    expect(h.runs.map((r) => [r.at, r.missed])).toEqual([["2026-11-25T08:00:00.000Z", false]]);
    h.runs[0]?.end();
    await h.scheduler.idle();
    h.now.t = Date.parse("2026-11-26T08:00:30.000Z");
    h.scheduler.tick();
    expect(h.runs.map((r) => r.at)).toEqual(["2026-11-25T08:00:00.000Z", "2026-11-26T08:00:00.000Z"]);
    h.scheduler.stop();
    h.store.close();
  });

  it("runs once at start-up for the runs missed while the daemon was down, never a burst", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "s.db");
    const first = setup(path, [daily, every5]);
    first.scheduler.start();
    first.now.t = Date.parse("2026-11-25T08:00:00Z");
    first.scheduler.tick();
    for (const r of first.runs) r.end();
    await first.scheduler.idle();
    first.scheduler.stop();
    first.store.close();
    expect(first.runs.map((r) => r.name).sort()).toEqual(["daily", "five"]);

    // Down for three days: 3 daily runs and ~860 five-minute runs were missed.
    const later = setup(path, [daily, every5], { t: Date.parse("2026-11-28T09:02:00Z") });
    later.scheduler.start();
    expect(later.runs.map((r) => [r.name, r.at, r.missed])).toEqual([
      ["daily", "2026-11-28T08:00:00.000Z", true],
      ["five", "2026-11-28T09:00:00.000Z", true],
    ]);
    later.scheduler.tick();
    expect(later.runs).toHaveLength(2);
    later.scheduler.stop();
    later.store.close();
  });

  it("a schedule first seen now does not run for its past run times", async () => {
    await using dir = await tempDir();
    const h = setup(join(dir.path, "s.db"), [daily], { t: Date.parse("2026-11-25T12:00:00Z") });
    h.scheduler.start();
    h.scheduler.tick();
    expect(h.runs).toHaveLength(0);
    expect(h.states.state("daily", 0)).toEqual({ firstSeen: Date.parse("2026-11-25T12:00:00Z"), lastFire: null });
    h.scheduler.stop();
    h.store.close();
  });

  it("never overlaps itself: a run time during the previous run is skipped and said", async () => {
    await using dir = await tempDir();
    const h = setup(join(dir.path, "s.db"), [every5], { t: Date.parse("2026-11-25T08:04:00Z") });
    h.scheduler.start();
    h.now.t = Date.parse("2026-11-25T08:05:00Z");
    h.scheduler.tick();
    expect(h.scheduler.isRunning("five")).toBe(true);
    h.now.t = Date.parse("2026-11-25T08:10:00Z");
    h.scheduler.tick();
    expect(h.runs).toHaveLength(1);
    expect(h.skipped).toEqual([
      { name: "five", at: "2026-11-25T08:10:00.000Z", reason: "its previous run is still going" },
    ]);
    h.runs[0]?.end();
    await h.scheduler.idle();
    expect(h.scheduler.isRunning("five")).toBe(false);
    h.now.t = Date.parse("2026-11-25T08:15:00Z");
    h.scheduler.tick();
    expect(h.runs.map((r) => r.at)).toEqual(["2026-11-25T08:05:00.000Z", "2026-11-25T08:15:00.000Z"]);
    h.scheduler.stop();
    h.store.close();
  });

  it("keeps time by itself with real timers", async () => {
    await using dir = await tempDir();
    const store = SqliteStore.open(join(dir.path, "s.db"), { durability: "normal" });
    const everyMinute: Schedule = { ...every5, name: "m", cron: "* * * * *" };
    let fired = 0;
    // The real clock shifted to 50 ms before a minute boundary: the timer must wake for it by itself.
    const start = Date.now();
    const base = Math.ceil(start / 60_000) * 60_000 - 50;
    const clock = () => base + (Date.now() - start);
    const s = new Scheduler({
      schedules: () => [everyMinute],
      store: ScheduleStore.open(store),
      run: async () => {
        fired += 1;
      },
      skipped: () => {},
      clock,
    });
    s.start();
    await expect.poll(() => fired, { timeout: 5000 }).toBe(1);
    s.stop();
    store.close();
  });
});
