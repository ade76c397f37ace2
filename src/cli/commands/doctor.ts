// `warden doctor`: print each check with its fix; exit 1 when any check fails (warnings do not fail).
import type { Command } from "commander";
import { homePaths } from "../../home/index.js";
import { type CliContext, printJson, println } from "../context.js";

const MARK = { ok: "ok  ", warn: "warn", fail: "FAIL", skip: "skip" } as const;

export function registerDoctor(program: Command, ctx: CliContext): void {
  program
    .command("doctor")
    .description("check this machine: Node, home permissions, config, token, database, sandbox, port, model")
    .option("--json", "print the checks as JSON")
    .action(async (opts: { json?: boolean }) => {
      const paths = homePaths(ctx.homeRoot);
      // Loaded on demand: the probes (sandbox, network) are not needed by any other command.
      const { runDoctor } = await import("../../doctor/index.js");
      const results = await runDoctor({ paths, uid: ctx.uid, nodeVersion: process.version });
      const failed = results.filter((r) => r.status === "fail").length;
      if (failed > 0) ctx.exitCode = 1;
      if (opts.json) return printJson(ctx.stdout, { ok: failed === 0, home: paths.root, checks: results });
      println(ctx.stdout, `warden doctor (home ${paths.root})`);
      for (const r of results) {
        println(ctx.stdout, `  ${MARK[r.status]}  ${r.id.padEnd(9)} ${r.detail}`);
        if (r.fix && r.status !== "ok") println(ctx.stdout, `        ${"".padEnd(9)} fix: ${r.fix}`);
      }
      println(ctx.stdout, failed === 0 ? "All checks passed." : `${failed} check(s) failed.`);
    });
}
