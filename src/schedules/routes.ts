// HTTP routes of the schedules domain: list (with each next run time), add (owner's schedules, kept in the state
// database) and remove. Schedules from warden.yaml are listed but never changed here. Every change is audited.
import { realpath, stat } from "node:fs/promises";
import * as z from "zod";
import { WardenError } from "../errors.js";
import type { Route } from "../gateway/index.js";
import { profileNameSchema, scheduleNameSchema } from "./config.js";
import { localZone, parseCron } from "./cron.js";
import type { ScheduleService } from "./service.js";
import type { Schedule } from "./types.js";

export const addScheduleBody = z.lazy(() =>
  z.strictObject({
    cron: z.string().min(1).max(200),
    prompt: z.string().min(1).max(100_000),
    name: scheduleNameSchema.optional(),
    workspace: z.string().min(1).max(4096).optional(),
    tz: z.string().min(1).max(100).optional(),
    approvalExpirySeconds: z
      .number()
      .int()
      .min(5)
      .max(24 * 60 * 60)
      .optional(),
    profile: profileNameSchema.optional(),
  }),
);

export interface ScheduleView extends Schedule {
  /** The zone the expression is read in (the daemon's local zone when the schedule names none). */
  zone: string;
  next: string | null;
  running: boolean;
  /** Set when the schedule names a profile that no policy rule names: a likely typo, said rather than silent. */
  warning?: string;
}

/** Said of a schedule whose profile no rule names (also by `warden policy lint`). */
export function unknownProfileWarning(schedule: string, profile: string): string {
  return `schedule ${schedule}: no policy rule names profile "${profile}" (when: {profile: ${profile}}): the profile changes nothing, so its runs get only what every scheduled run gets`;
}

/**
 * `profileNamed(name)`: does a rule of the current policy name this profile? (the daemon asks its policy). Without it
 * no warning is given.
 */
export function scheduleRoutes(
  service: ScheduleService,
  audit: { append(e: object): Promise<unknown> },
  profileNamed?: (profile: string) => boolean,
): Route[] {
  const view = (s: Schedule): ScheduleView => ({
    ...s,
    zone: s.tz ?? localZone(),
    next: service.active ? (service.scheduler.next(s)?.toISOString() ?? null) : null,
    running: service.scheduler.isRunning(s.name),
    ...(s.profile && profileNamed && !profileNamed(s.profile)
      ? { warning: unknownProfileWarning(s.name, s.profile) }
      : {}),
  });
  return [
    {
      method: "GET",
      path: "/v1/schedules",
      handler: () => ({ body: { active: service.active, schedules: service.all().map(view) } }),
    },
    {
      method: "POST",
      path: "/v1/schedules",
      body: addScheduleBody,
      handler: async (ctx) => {
        const b = ctx.body as z.infer<typeof addScheduleBody>;
        const cron = parseCron(b.cron, b.tz);
        if (!cron.ok) throw cron.error;
        const taken = new Set(service.all().map((s) => s.name));
        const name = b.name ?? freeName(b.prompt, taken);
        if (taken.has(name)) throw new WardenError("CONFLICT", `a schedule named ${name} exists already`);
        const workspace = b.workspace === undefined ? undefined : await folder(b.workspace);
        const s: Omit<Schedule, "source"> = {
          name,
          cron: cron.value.expression,
          prompt: b.prompt,
          approvalExpirySeconds: b.approvalExpirySeconds ?? 120,
          ...(workspace ? { workspace } : {}),
          ...(b.tz ? { tz: b.tz } : {}),
          ...(b.profile ? { profile: b.profile } : {}),
        };
        if (!service.owned.add(s, new Date()))
          throw new WardenError("CONFLICT", `a schedule named ${name} exists already`);
        await audit.append({
          type: "schedule.added",
          actor: "owner",
          data: { name, cron: s.cron, tz: s.tz ?? null, profile: s.profile ?? null },
        });
        service.scheduler.tick(); // its first sighting is now: it runs at its next run time, not for past ones
        return { status: 201, body: view({ ...s, source: "owner" }) };
      },
    },
    {
      method: "DELETE",
      path: "/v1/schedules/:name",
      handler: async (ctx) => {
        const name = ctx.params.name ?? "";
        const s = service.all().find((x) => x.name === name);
        if (!s) throw new WardenError("NOT_FOUND", `no schedule named ${name}`);
        if (s.source === "config")
          throw new WardenError("BAD_REQUEST", `schedule ${name} is defined in warden.yaml`, {
            fix: "remove it from the schedules list in warden.yaml and restart the daemon",
          });
        service.owned.remove(name);
        await audit.append({ type: "schedule.removed", actor: "owner", data: { name } });
        return { body: { removed: name, running: service.scheduler.isRunning(name) } };
      },
    },
  ];
}

/** A name from the prompt's first words (`check-the-backups`), numbered when taken. */
function freeName(prompt: string, taken: ReadonlySet<string>): string {
  const base =
    prompt
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+/, "")
      .slice(0, 32)
      .replace(/-+$/, "") || "schedule";
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

async function folder(path: string): Promise<string> {
  if (!path.startsWith("/")) throw new WardenError("BAD_REQUEST", `workspace must be an absolute path: ${path}`);
  try {
    const real = await realpath(path);
    if ((await stat(real)).isDirectory()) return real;
  } catch {
    // reported below
  }
  throw new WardenError("BAD_REQUEST", `workspace ${path} is not an existing folder`);
}
