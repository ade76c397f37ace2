// The `warden` command line: builds the command tree, runs one command, and turns every outcome into an exit code
// (0 success, 1 error, 2 usage, 3 denied by policy, 4 waiting on / refused by approval). Errors are printed once,
// here, as "warden: what" plus "  fix: how"; with --json they are printed as JSON on stdout as well.
import { Command, CommanderError } from "commander";
import { toWardenError } from "../errors.js";
import { registerApprovals } from "./commands/approvals.js";
import { registerAudit } from "./commands/audit.js";
import { registerConfig } from "./commands/config.js";
import { registerDaemon } from "./commands/daemon.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerInit } from "./commands/init.js";
import { registerPolicy } from "./commands/policy.js";
import { registerSandbox } from "./commands/sandbox.js";
import { registerSecrets } from "./commands/secrets.js";
import { registerTasks } from "./commands/tasks.js";
import { type CliContext, printJson, println } from "./context.js";

export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = new Command("warden")
    .description("Warden: a local agent runtime that is safe by default.")
    .version(ctx.version, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  program.addHelpText(
    "after",
    `
Home: ${ctx.homeRoot} (set WARDEN_HOME to use another)
Exit codes: 0 ok, 1 error, 2 usage, 3 denied by policy, 4 waiting on approval / approval denied or expired.`,
  );

  registerInit(program, ctx);
  registerDaemon(program, ctx);
  registerDoctor(program, ctx);
  registerConfig(program, ctx);
  registerPolicy(program, ctx);
  registerSandbox(program, ctx);
  registerAudit(program, ctx);
  registerApprovals(program, ctx);
  registerSecrets(program, ctx);
  registerTasks(program, ctx);

  for (const command of allCommands(program)) command.exitOverride();

  try {
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are successes; everything else commander reports is a usage error.
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")
        return 0;
      return 2;
    }
    const error = toWardenError(e);
    println(ctx.stderr, `warden: ${error.message}`);
    if (error.details.fix) println(ctx.stderr, `  fix: ${error.details.fix}`);
    if (error.code === "INTERNAL" && e instanceof Error && e.stack) println(ctx.stderr, e.stack);
    if (argv.includes("--json")) printJson(ctx.stdout, { error: error.toJSON() });
    return error.exitCode;
  }
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}
