// The `warden` command line: builds the command tree, runs one command, and turns every outcome into an exit code
// (0 success, 1 error, 2 usage, 3 denied by policy, 4 waiting on / refused by approval). Errors are printed once,
// here, as "warden: what" plus "  fix: how"; with --json they are printed as JSON on stdout as well.
import { Command, CommanderError } from "commander";
import { type CliContext, println, reportFailure } from "./context.js";

type Register = (program: Command, ctx: CliContext) => void;

// Each command group is loaded only when it is the one invoked (all of them for help and unknown commands), so a
// command pays only for its own code: `warden approve` never loads the policy engine, `sandbox exec` never the daemon.
const GROUPS: Record<string, () => Promise<Register>> = {
  init: () => import("./commands/init.js").then((m) => m.registerInit),
  start: () => import("./commands/daemon.js").then((m) => m.registerDaemon),
  doctor: () => import("./commands/doctor.js").then((m) => m.registerDoctor),
  config: () => import("./commands/config.js").then((m) => m.registerConfig),
  policy: () => import("./commands/policy.js").then((m) => m.registerPolicy),
  sandbox: () => import("./commands/sandbox.js").then((m) => m.registerSandbox),
  audit: () => import("./commands/audit.js").then((m) => m.registerAudit),
  approvals: () => import("./commands/approvals.js").then((m) => m.registerApprovals),
  secrets: () => import("./commands/secrets.js").then((m) => m.registerSecrets),
  ask: () => import("./commands/tasks.js").then((m) => m.registerTasks),
  model: () => import("./commands/model.js").then((m) => m.registerModel),
  schedule: () => import("./commands/schedule.js").then((m) => m.registerSchedule),
  chat: () => import("./commands/chat.js").then((m) => m.registerChat),
  mcp: () => import("./commands/mcp.js").then((m) => m.registerMcp),
};
const ALIASES: Record<string, string> = {
  stop: "start",
  status: "start",
  approve: "approvals",
  deny: "approvals",
  tasks: "ask",
  halt: "ask",
  answer: "ask",
};

async function registerCommands(program: Command, ctx: CliContext, first: string | undefined): Promise<void> {
  const group = first === undefined ? undefined : (ALIASES[first] ?? first);
  const loaders = group !== undefined && GROUPS[group] ? [GROUPS[group]] : Object.values(GROUPS);
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program, ctx);
}

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

  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    println(ctx.stdout, ctx.version);
    return 0;
  }
  await registerCommands(program, ctx, argv[0]);

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
    return reportFailure(e, ctx, argv.includes("--json"));
  }
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}
