// Cron expressions: the 5-field syntax (lists, ranges, steps, names), time zones and DST, clear errors; and a
// property test that every next run time matches the expression's fields, checked by an independent matcher.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { schedulesConfigSchema } from "./config.js";
import { parseCron } from "./cron.js";

const at = (iso: string) => new Date(iso);
const cron = (e: string, tz?: string) => {
  const r = parseCron(e, tz);
  if (!r.ok) throw r.error;
  return r.value;
};
const nexts = (e: string, from: string, n: number, tz = "UTC") => {
  const c = cron(e, tz);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = c.next(t);
    if (!next) break;
    out.push(next.toISOString());
    t = next;
  }
  return out;
};

describe("parseCron", () => {
  it("reads lists, ranges, steps and names", () => {
    expect(nexts("0 8 * * mon-fri", "2026-11-27T09:00:00Z", 2)).toEqual([
      "2026-11-30T08:00:00.000Z",
      "2026-12-01T08:00:00.000Z",
    ]);
    expect(nexts("*/20 9-10 * * *", "2026-11-25T08:59:00Z", 7)).toEqual([
      "2026-11-25T09:00:00.000Z",
      "2026-11-25T09:20:00.000Z",
      "2026-11-25T09:40:00.000Z",
      "2026-11-25T10:00:00.000Z",
      "2026-11-25T10:20:00.000Z",
      "2026-11-25T10:40:00.000Z",
      "2026-11-26T09:00:00.000Z",
    ]);
    expect(nexts("5,35 0 1 jan,jul *", "2026-06-01T00:00:00Z", 3)).toEqual([
      "2026-07-01T00:05:00.000Z",
      "2026-07-01T00:35:00.000Z",
      "2027-01-01T00:05:00.000Z",
    ]);
    // day-of-month and day-of-week both given: either one (classic cron)
    expect(nexts("0 0 13 * fri", "2026-11-01T00:00:00Z", 2)).toEqual([
      "2026-11-06T00:00:00.000Z",
      "2026-11-13T00:00:00.000Z",
    ]);
  });

  it("reads the expression in the given zone, across DST changes", () => {
    // Europe/Berlin springs forward at 02:00 on 2026-03-29: 02:30 does not exist that day and runs at 03:00.
    expect(nexts("30 2 * * *", "2026-03-28T00:00:00Z", 3, "Europe/Berlin")).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
    // New York falls back at 02:00 on 2026-11-01: 01:30 happens twice and runs once.
    expect(nexts("30 1 * * *", "2026-10-31T12:00:00Z", 3, "America/New_York")).toEqual([
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
      "2026-11-03T06:30:00.000Z",
    ]);
    // An hourly job keeps its hours through the spring change (no hour is run twice, none skipped but the gap).
    const hourly = nexts("0 * * * *", "2026-03-29T00:00:00Z", 3, "Europe/Berlin");
    expect(hourly).toEqual(["2026-03-29T01:00:00.000Z", "2026-03-29T02:00:00.000Z", "2026-03-29T03:00:00.000Z"]);
  });

  it("previous is the last run time at or before the instant", () => {
    const c = cron("0 8 * * *", "UTC");
    expect(c.previous(at("2026-11-26T08:00:00Z"))?.toISOString()).toBe("2026-11-26T08:00:00.000Z");
    expect(c.previous(at("2026-11-26T07:59:59Z"))?.toISOString()).toBe("2026-11-25T08:00:00.000Z");
  });

  it("refuses what is not a 5-field expression, bad values, unknown zones and dates that never come", () => {
    const bad = (e: string, tz?: string) => {
      const r = parseCron(e, tz);
      expect(r.ok).toBe(false);
      return r.ok ? "" : r.error.message;
    };
    expect(bad("0 0 8 * * *")).toContain("5 fields");
    expect(bad("@daily")).toContain("5 fields");
    expect(bad("61 8 * * *")).toContain("minute");
    expect(bad("0 8 * * funday")).toContain("invalid cron expression");
    expect(bad("0 8 * * *", "Mars/Olympus")).toContain("unknown time zone");
    expect(bad("0 0 30 2 *")).toContain("never matches");
  });

  it("is checked when warden.yaml is read, with the field named", () => {
    const r = schedulesConfigSchema.safeParse([
      { name: "ok", cron: "0 8 * * *", prompt: "p" },
      { name: "bad", cron: "0 25 * * *", prompt: "p" },
      { name: "ok", cron: "0 9 * * *", prompt: "p", tz: "Nowhere/Land" },
    ]);
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(paths).toEqual(expect.arrayContaining(["1.cron", "2.tz"]));
    const good = schedulesConfigSchema.parse([{ name: "daily", cron: "0 8 * * *", prompt: "p" }]);
    expect(good[0]).toMatchObject({ approvalExpirySeconds: 120 });
  });
});

// An independent reading of a field: "*", "a", "a-b", with an optional "/step", comma-separated.
function fieldSet(field: string, min: number, max: number): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [range = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo = min;
    let hi = max;
    if (range !== "*") {
      const [a = "", b] = range.split("-");
      lo = Number(a);
      hi = b === undefined ? (stepText === undefined ? lo : max) : Number(b);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

const fieldArb = (min: number, max: number) =>
  fc.oneof(
    fc.constant("*"),
    fc.integer({ min, max }).map(String),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 1, max: Math.max(1, max - min) }).map((s) => `*/${s}`),
    fc.uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 }).map((xs) => xs.join(",")),
  );

describe("parseCron properties", () => {
  it("every next run time is later, matches every field, and nothing between matches", () => {
    fc.assert(
      fc.property(
        fieldArb(0, 59),
        fieldArb(0, 23),
        fieldArb(1, 28),
        fieldArb(1, 12),
        fc.date({ min: at("2020-01-01T00:00:00Z"), max: at("2030-01-01T00:00:00Z"), noInvalidDate: true }),
        (mi, h, dom, mon, from) => {
          const expr = `${mi} ${h} ${dom} ${mon} *`;
          const next = cron(expr, "UTC").next(from);
          expect(next).not.toBeNull();
          if (!next) return;
          expect(next.getTime()).toBeGreaterThan(from.getTime());
          expect(next.getUTCSeconds()).toBe(0);
          expect(fieldSet(mi, 0, 59).has(next.getUTCMinutes())).toBe(true);
          expect(fieldSet(h, 0, 23).has(next.getUTCHours())).toBe(true);
          expect(fieldSet(dom, 1, 31).has(next.getUTCDate())).toBe(true);
          expect(fieldSet(mon, 1, 12).has(next.getUTCMonth() + 1)).toBe(true);
          // previous of the next one is itself, and previous just before it is before `from`'s next.
          expect(cron(expr, "UTC").previous(next)?.getTime()).toBe(next.getTime());
          const before = cron(expr, "UTC").previous(new Date(next.getTime() - 1));
          if (before) expect(before.getTime()).toBeLessThanOrEqual(from.getTime());
        },
      ),
      { numRuns: 150 },
    );
  });
});
