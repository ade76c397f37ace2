// `warden approvals list`, `warden approve ID [--scope once|task|always]`, `warden deny ID [--reason TEXT]`: the
// human exception path from the terminal, through the running daemon (which checks who may answer and binds the
// answer to the exact action that was shown).
import type { Command } from "commander";
import type { Approval } from "../../approvals/index.js";
import { type CliContext, printJson, println } from "../context.js";
import { daemonClient } from "../remote.js";
import { registerRules } from "./rules.js";

export function registerApprovals(program: Command, ctx: CliContext): void {
  const approvals = program.command("approvals").description("approval requests and the rules proposed from them");
  registerRules(approvals, ctx);
  approvals
    .command("list")
    .description("pending requests (id, task, action, decision, asked, expires); --all for every state")
    .option("--all", "every request, not only pending ones")
    .option("--json", "print them as JSON")
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const state = opts.all ? "all" : "pending";
      const { approvals } = await daemonClient(ctx.homeRoot).request<{ approvals: Approval[] }>(
        "GET",
        `/v1/approvals?state=${state}`,
      );
      if (opts.json) return printJson(ctx.stdout, approvals);
      if (approvals.length === 0)
        return println(ctx.stdout, opts.all ? "No approval requests." : "Nothing waits for approval.");
      for (const a of approvals) println(ctx.stdout, formatApproval(a));
    });

  program
    .command("approve")
    .description("approve a request: once (default), for the rest of its task, or always (proposes a rule)")
    .argument("<id>", "the request id (warden approvals list)")
    .option("--scope <scope>", "once | task | always", "once")
    .action(async (id: string, opts: { scope: string }) => {
      const a = await daemonClient(ctx.homeRoot).request<Approval>(
        "POST",
        `/v1/approvals/${encodeURIComponent(id)}/approve`,
        {
          scope: opts.scope,
        },
      );
      println(ctx.stdout, `Approved ${a.id} (${opts.scope}).`);
    });

  program
    .command("deny")
    .description("deny a request; the reason goes back to the model")
    .argument("<id>", "the request id (warden approvals list)")
    .option("--reason <text>", "why (shown to the model)")
    .action(async (id: string, opts: { reason?: string }) => {
      const a = await daemonClient(ctx.homeRoot).request<Approval>(
        "POST",
        `/v1/approvals/${encodeURIComponent(id)}/deny`,
        opts.reason ? { reason: opts.reason } : {},
      );
      println(ctx.stdout, `Denied ${a.id}.`);
    });
}

function formatApproval(a: Approval): string {
  const decision = `${a.decision.effect} by ${a.decision.rule ?? "no rule"}: ${a.decision.reason}`;
  return [
    `${a.id}  ${a.state}  task ${a.task}  ${a.summary}`,
    `  decision ${decision}`,
    `  asked    ${a.requestedAt}, expires ${a.expiresAt}${a.reason ? `, reason: ${a.reason}` : ""}`,
  ].join("\n");
}
