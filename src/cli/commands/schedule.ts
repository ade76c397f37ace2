// `warden schedule add|list|rm`: recurring tasks through the running daemon. Schedules added here are kept in the
// state database; those in warden.yaml are listed too but are changed only by editing the file.
import type { Command } from "commander";
import type { ScheduleView } from "../../schedules/index.js";
import { type CliContext, printJson, println } from "../context.js";
import { daemonClient } from "../remote.js";

export function registerSchedule(program: Command, ctx: CliContext): void {
  const schedule = program
    .command("schedule")
    .description("recurring tasks (cron); each run works unattended: its approval requests expire to deny quickly");
  schedule
    .command("add")
    .description('add a schedule, e.g. warden schedule add "0 8 * * mon-fri" "summarise my inbox"')
    .argument("<cron>", "5 fields: minute hour day-of-month month day-of-week (lists, ranges, steps, names)")
    .argument("<text>", "the task given to the agent at each run")
    .option("--name <name>", "a unique name (default: from the text)")
    .option("--workspace <dir>", "work in this folder (default: a fresh workspace per run)")
    .option("--tz <zone>", "the time zone the expression is read in (default: the daemon's local zone)")
    .option("--approval-expiry <seconds>", "deny an unanswered approval request after this many seconds", "120")
    .option("--profile <name>", "policy profile of its runs: rules with `when: {profile: NAME}` apply to them")
    .option("--json", "print the schedule as JSON")
    .action(
      async (
        cron: string,
        text: string,
        opts: {
          name?: string;
          workspace?: string;
          tz?: string;
          approvalExpiry: string;
          profile?: string;
          json?: boolean;
        },
      ) => {
        const { resolve } = await import("node:path");
        const { WardenError } = await import("../../errors.js");
        const expiry = Number(opts.approvalExpiry);
        if (!Number.isInteger(expiry) || expiry < 5)
          throw new WardenError("USAGE", "--approval-expiry takes a whole number of seconds, at least 5");
        const s = await daemonClient(ctx.homeRoot).request<ScheduleView>("POST", "/v1/schedules", {
          cron,
          prompt: text,
          approvalExpirySeconds: expiry,
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.workspace ? { workspace: resolve(ctx.cwd, opts.workspace) } : {}),
          ...(opts.tz ? { tz: opts.tz } : {}),
          ...(opts.profile ? { profile: opts.profile } : {}),
        });
        if (opts.json) return printJson(ctx.stdout, s);
        const profile = s.profile ? `, profile ${s.profile}` : "";
        println(
          ctx.stdout,
          `Added schedule ${s.name}: "${s.cron}" (${s.zone})${profile}, next run ${s.next ?? "never"}.`,
        );
        if (s.warning) println(ctx.stderr, `warning: ${s.warning}`);
      },
    );
  schedule
    .command("list")
    .description("every schedule (warden.yaml and added), with its next run time")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => {
      const { active, schedules } = await daemonClient(ctx.homeRoot).request<{
        active: boolean;
        schedules: ScheduleView[];
      }>("GET", "/v1/schedules");
      if (opts.json) return printJson(ctx.stdout, schedules);
      if (schedules.length === 0) return println(ctx.stdout, "No schedules.");
      if (!active) println(ctx.stdout, "No model is configured: schedules are kept but do not run.");
      for (const s of schedules) {
        const where = s.source === "config" ? "warden.yaml" : "added";
        const state = s.running ? "  (running)" : "";
        const profile = s.profile ? `  profile ${s.profile}` : "";
        println(
          ctx.stdout,
          `${s.name}  "${s.cron}" ${s.zone}  next ${s.next ?? "-"}  [${where}]${profile}${state}  ${s.prompt.slice(0, 60)}`,
        );
        if (s.warning) println(ctx.stdout, `  warning: ${s.warning}`);
      }
    });
  schedule
    .command("rm")
    .description("remove a schedule added with `warden schedule add` (a running run goes on)")
    .argument("<name>")
    .action(async (name: string) => {
      await daemonClient(ctx.homeRoot).request("DELETE", `/v1/schedules/${encodeURIComponent(name)}`);
      println(ctx.stdout, `Removed schedule ${name}.`);
    });
}
