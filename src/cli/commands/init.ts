// `warden init`: create the home with a commented config, the starter policy and an API token. Safe to re-run.
import type { Command } from "commander";
import { DEFAULT_CONFIG_YAML } from "../../config/index.js";
import { homePaths, initHome } from "../../home/index.js";
import { type CliContext, printJson, println } from "../context.js";

export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command("init")
    .description("create the home folder: warden.yaml, a deny-by-default policy, the API token (never overwrites)")
    .option("--json", "print what was created and kept as JSON")
    .action(async (opts: { json?: boolean }) => {
      // Loaded on demand: the policy engine is not needed to print help or to run the daemon's other commands.
      const { STARTER_POLICY } = await import("../../policy/index.js");
      const paths = homePaths(ctx.homeRoot);
      const report = initHome(paths, { config: DEFAULT_CONFIG_YAML, starterPolicy: STARTER_POLICY });
      if (opts.json) return printJson(ctx.stdout, { home: paths.root, ...report });
      println(ctx.stdout, `Warden home: ${paths.root}`);
      for (const f of report.created) println(ctx.stdout, `  created ${f}`);
      for (const f of report.kept) println(ctx.stdout, `  kept    ${f} (already there)`);
      println(ctx.stdout, "Next: `warden doctor` to check this machine, then `warden start`.");
    });
}
