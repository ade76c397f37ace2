// `warden approvals rules | accept RULE_ID | dismiss RULE_ID`: rules proposed by "approve always" and by repeated
// identical approvals. Nothing widens the policy silently: the owner reads the diff, and only `accept` writes the rule,
// to <home>/policy/90-accepted.yaml, after checking that the policy with it still loads. The daemon's hot reload picks
// it up within a fraction of a second.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { RuleProposal } from "../../approvals/index.js";
import { yaml as yamlLib } from "../../home/yaml-lib.js";
import { type CliContext, printJson, println } from "../context.js";
import { daemonClient } from "../remote.js";

const ACCEPTED_FILE = "90-accepted.yaml";
const HEADER = "# Rules the owner accepted from approval proposals (`warden approvals accept`). Edit freely.\nrules:\n";

export function registerRules(approvals: Command, ctx: CliContext): void {
  approvals
    .command("rules")
    .description("rules proposed from approvals, each shown as the lines it would add to the policy")
    .option("--all", "also accepted and dismissed proposals")
    .option("--json", "print them as JSON")
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const q = opts.all ? "" : "?state=proposed";
      const { proposals } = await daemonClient(ctx.homeRoot).request<{ proposals: RuleProposal[] }>(
        "GET",
        `/v1/rule-proposals${q}`,
      );
      if (opts.json) return printJson(ctx.stdout, proposals);
      if (proposals.length === 0) return println(ctx.stdout, "No proposed rules.");
      for (const p of proposals) {
        println(ctx.stdout, `${p.id}  ${p.state}  from ${p.source} (approval ${p.approvalId})`);
        println(ctx.stdout, p.diff);
      }
    });

  approvals
    .command("accept")
    .description(`add a proposed rule to the policy (policy/${ACCEPTED_FILE}), after checking the policy still loads`)
    .argument("<rule-id>", "the proposal id (warden approvals rules)")
    .action(async (id: string) => {
      const { homePaths } = await import("../../home/index.js");
      const { compilePolicyTexts } = await import("../../policy/index.js");
      const { WardenError } = await import("../../errors.js");
      const client = daemonClient(ctx.homeRoot);
      const { proposals } = await client.request<{ proposals: RuleProposal[] }>(
        "GET",
        "/v1/rule-proposals?state=proposed",
      );
      const proposal = proposals.find((p) => p.id === id);
      if (!proposal)
        throw new WardenError("NOT_FOUND", `no open rule proposal ${id}`, { fix: "warden approvals rules" });

      const dir = homePaths(ctx.homeRoot).policyDir;
      const file = join(dir, ACCEPTED_FILE);
      const before = existsSync(file) ? readFileSync(file, "utf8") : HEADER;
      const entry = yamlLib()
        .stringify([proposal.rule], { lineWidth: 0 })
        .trimEnd()
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n");
      const after = `${before.trimEnd()}\n${entry}\n`;
      // The whole folder with the new file must compile (ids unique, examples hold) before anything is written.
      const texts: Record<string, string> = {};
      for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && !n.startsWith("."))) {
        texts[join(dir, name)] = readFileSync(join(dir, name), "utf8");
      }
      texts[file] = after;
      const compiled = compilePolicyTexts(texts);
      if (!compiled.ok) throw compiled.error;
      await client.request("POST", `/v1/rule-proposals/${encodeURIComponent(id)}/accept`);
      writeFileSync(file, after, { mode: 0o600 });
      println(ctx.stdout, `Accepted ${id}; added to ${file}:`);
      println(ctx.stdout, proposal.diff);
    });

  approvals
    .command("dismiss")
    .description("dismiss a proposed rule (the policy is not changed)")
    .argument("<rule-id>", "the proposal id (warden approvals rules)")
    .action(async (id: string) => {
      await daemonClient(ctx.homeRoot).request("POST", `/v1/rule-proposals/${encodeURIComponent(id)}/dismiss`);
      println(ctx.stdout, `Dismissed ${id}.`);
    });
}
