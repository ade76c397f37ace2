// The `schedules` section of warden.yaml: recurring tasks, each a cron expression and a prompt. Strict: a misspelt
// key is an error. A cron expression or time zone that does not parse fails the config load with the field named.
import * as z from "zod";
import { isTimeZone, parseCron } from "./cron.js";

export const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const scheduleNameSchema = z.lazy(() => z.string().regex(SCHEDULE_NAME, "letters, digits, _ and - (max 64)"));

/** A policy profile name: the same form as the policy's (letters, digits, _ and -, max 64). */
export const profileNameSchema = z.lazy(() => z.string().regex(SCHEDULE_NAME, "letters, digits, _ and - (max 64)"));

export const scheduleSpecSchema = z.lazy(() =>
  z
    .strictObject({
      name: scheduleNameSchema.describe("Unique name; tasks it starts are queued under the key schedule:<name>."),
      cron: z
        .string()
        .min(1)
        .max(200)
        .describe('5 fields: minute hour day-of-month month day-of-week, e.g. "0 8 * * mon-fri".'),
      prompt: z.string().min(1).max(100_000).describe("The task given to the agent at each run."),
      workspace: z
        .string()
        .regex(/^\//, "an absolute path")
        .max(4096)
        .optional()
        .describe("Work in this existing folder (default: a fresh workspace per run)."),
      tz: z
        .string()
        .refine(isTimeZone, "an IANA time zone such as Europe/Paris")
        .optional()
        .describe("Time zone the expression is read in (default: the daemon's local zone)."),
      approvalExpirySeconds: z
        .number()
        .int()
        .min(5)
        .max(24 * 60 * 60)
        .default(120)
        .describe("Nobody is watching a scheduled run: its approval requests are denied after this many seconds."),
      profile: profileNameSchema
        .optional()
        .describe(
          "Policy profile of its runs: rules with `when: {profile: NAME}` apply to them (and their sub-agents). Default none.",
        ),
    })
    .superRefine((s, ctx) => {
      const parsed = parseCron(s.cron, s.tz);
      if (!parsed.ok) ctx.addIssue({ code: "custom", path: ["cron"], message: parsed.error.message });
    }),
);
export type ScheduleSpec = z.output<typeof scheduleSpecSchema>;

export const schedulesConfigSchema = z.lazy(() =>
  z
    .array(scheduleSpecSchema)
    .max(1000)
    .default([])
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((s, i) => {
        if (seen.has(s.name))
          ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate schedule name ${s.name}` });
        seen.add(s.name);
      });
    })
    .describe("Recurring tasks (cron). `warden schedule add` adds more at run time, kept in the state database."),
);
export type SchedulesConfig = z.output<typeof schedulesConfigSchema>;
