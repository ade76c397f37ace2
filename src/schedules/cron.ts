// Cron expressions: the classic 5 fields (minute hour day-of-month month day-of-week) with lists, ranges, steps and
// names (jan..dec, sun..sat), evaluated in an IANA time zone (default: the daemon's local zone). Parsing and the
// calendar arithmetic, DST included, come from croner: in a spring-forward gap a fixed-time job runs at the first
// valid time after the gap, and a time that occurs twice in the autumn runs once. Never throws from its exports:
// a bad expression or zone is a Result error naming the problem.
import { Cron } from "croner";
import { err, ok, type Result, WardenError } from "../errors.js";

export interface CronSchedule {
  readonly expression: string;
  /** The IANA zone it is read in; undefined means the daemon's local zone. */
  readonly tz: string | undefined;
  /** The first run time strictly after `after`, or null when there is none (e.g. "0 0 30 2 *"). */
  next(after: Date): Date | null;
  /** The last run time at or before `at`, or null when there is none. */
  previous(at: Date): Date | null;
}

/** The daemon's local time zone, as shown to the owner. */
export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function parseCron(expression: string, tz?: string): Result<CronSchedule> {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    return err(
      new WardenError(
        "BAD_REQUEST",
        `a cron expression has 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}: ${JSON.stringify(expression)}`,
        { fix: 'e.g. "0 8 * * *" is every day at 08:00, "*/15 9-17 * * mon-fri" every 15 minutes in office hours' },
      ),
    );
  if (tz !== undefined && !isTimeZone(tz))
    return err(
      new WardenError("BAD_REQUEST", `unknown time zone ${JSON.stringify(tz)}`, {
        fix: "use an IANA name such as Europe/Paris",
      }),
    );
  let cron: Cron;
  try {
    // paused: this object only computes times; the scheduler owns the timers.
    cron = new Cron(fields.join(" "), { paused: true, mode: "5-part", ...(tz ? { timezone: tz } : {}) });
  } catch (e) {
    const why = (e as Error).message.replace(/^CronPattern:\s*/, "");
    return err(new WardenError("BAD_REQUEST", `invalid cron expression ${JSON.stringify(expression)}: ${why}`));
  }
  if (cron.nextRun() === null)
    return err(
      new WardenError("BAD_REQUEST", `the cron expression ${JSON.stringify(expression)} never matches a date`),
    );
  return ok({
    expression: fields.join(" "),
    tz,
    next: (after) => cron.nextRun(after),
    previous: (at) => {
      // croner's previousRuns looks strictly before its reference: one millisecond later includes `at` itself.
      const [last] = cron.previousRuns(1, new Date(at.getTime() + 1));
      return last ?? null;
    },
  });
}
