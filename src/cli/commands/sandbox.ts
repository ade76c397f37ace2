// `warden sandbox exec [opts] -- CMD ARGS...`: one command in the sandbox exactly as the daemon runs it (sandbox
// only, no policy). Streams the child's output; exits with its code, 124 on timeout, 1 when the sandbox cannot run.
import type { Command } from "commander";
import type { CliContext } from "../context.js";

interface ExecOpts {
  workspace?: string;
  profile?: string;
  timeout?: string;
  net: "none" | "proxy";
}

export function registerSandbox(program: Command, ctx: CliContext): void {
  const sandbox = program.command("sandbox").description("run commands in Warden's sandbox").enablePositionalOptions();
  sandbox
    .command("exec")
    .description("run CMD in the sandbox as the daemon would (no policy check): warden sandbox exec -- ls -la")
    .option("--workspace <dir>", "the only writable folder, mounted as the working directory (default: .)")
    .option("--profile <name>", "a sandbox profile from warden.yaml (limits, extra paths)")
    .option("--timeout <seconds>", "wall-clock limit; the whole sandbox is killed after it (exit 124)")
    .option("--net <mode>", "none (default) or proxy (through the egress proxy of a running daemon)", "none")
    .argument("<command...>", "the command and its arguments (put -- before them)")
    .passThroughOptions()
    .action(async (argv: string[], opts: ExecOpts) => {
      // Fetched together: each import is a file read and parse, and one after the other they add up on a cold start.
      // Only the sandbox section of the config: with the file in the YAML cache, the parser, zod and every schema
      // (the sandbox's own included: exec-entry.ts leaves it out) never load (src/config/section.ts).
      const [{ WardenError }, { homePaths, openYamlCache }, { loadConfigSection }, sandboxDomain] = await Promise.all([
        import("../../errors.js"),
        import("../../home/index.js"),
        import("../../config/section.js"),
        import("../../sandbox/exec-entry.js"),
      ]);
      const { createSandbox, sandboxExec } = sandboxDomain;
      const sandboxConfigSchema = () => import("../../sandbox/index.js").then((m) => m.sandboxConfigSchema);
      if (opts.net !== "none" && opts.net !== "proxy") throw new WardenError("USAGE", "--net must be none or proxy");
      const timeoutSec = opts.timeout === undefined ? undefined : Number(opts.timeout);
      if (timeoutSec !== undefined && !(timeoutSec > 0))
        throw new WardenError("USAGE", "--timeout must be a positive number of seconds");
      const paths = homePaths(ctx.homeRoot);
      const sandboxConfig = await loadConfigSection(
        paths.config,
        "sandbox",
        sandboxConfigSchema,
        openYamlCache(paths.yamlCache, ctx.build),
      );
      // --net proxy goes through the running daemon's egress proxy, which decides every connection by policy.
      let proxy: { socketPath: string; token: string; caBundle?: string } | undefined;
      if (opts.net === "proxy") {
        const { lockHeld, readPidFile } = await import("../../daemon/locate.js");
        proxy = lockHeld(paths) ? readPidFile(paths)?.egress : undefined;
      }
      const created = createSandbox(sandboxConfig, {
        forbiddenPaths: [{ path: paths.root, workspaces: paths.workspaces }], // as the daemon: task workspaces only
      });
      if (!created.ok) throw created.error;
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        ctx.exitCode = await sandboxExec(created.value, sandboxConfig, {
          argv,
          cwd: ctx.cwd,
          // Piped input goes to the command; a terminal stays with warden (so Ctrl-C reaches it).
          ...((ctx.stdin as { isTTY?: boolean }).isTTY ? {} : { stdin: ctx.stdin }),
          ...(opts.workspace ? { workspace: opts.workspace } : {}),
          ...(opts.profile ? { profile: opts.profile } : {}),
          ...(timeoutSec !== undefined ? { timeoutSec } : {}),
          net: opts.net,
          ...(proxy ? { proxySocket: proxy.socketPath, proxyToken: proxy.token } : {}),
          ...(proxy?.caBundle ? { proxyCaBundle: proxy.caBundle } : {}),
          stdout: ctx.stdout,
          stderr: ctx.stderr,
          signal: abort.signal,
        });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await created.value.close?.();
      }
    });
}
