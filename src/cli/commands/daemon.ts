// `warden start [--foreground]`, `warden stop`, `warden status [--json]`: the daemon's life cycle. The CLI only ever
// talks to a running daemon through its HTTP API; the pid file and the lock are used to find it and to tell
// "not running" from "not answering".
import type { Command } from "commander";
import type { StatusBody } from "../../daemon/index.js";
import { alreadyRunning, lockHeld, type PidInfo, processAlive, readPidFile } from "../../daemon/locate.js";
import { WardenError } from "../../errors.js";
import { GatewayClient } from "../../gateway/client.js";
import { assertHomeSafe, type HomePaths, homePaths, readToken } from "../../home/index.js";
import { type CliContext, printJson, println } from "../context.js";

/**
 * `warden start --foreground`: run the daemon in this process until it stops. The daemon's own build
 * (dist/daemon/, see src/main.ts) calls this without the rest of the CLI.
 */
export async function startForeground(ctx: CliContext): Promise<void> {
  const { runForeground } = await import("../../daemon/index.js");
  await runForeground({
    paths: homePaths(ctx.homeRoot),
    version: ctx.version,
    ...(ctx.build ? { build: ctx.build } : {}),
    uid: ctx.uid,
    hostEnv: ctx.self.env,
    readyFd: ctx.readyFd,
    onReady: (d) => {
      if (ctx.readyFd === undefined) ctx.stderr.write(`warden: listening on ${d.url} (pid ${process.pid})\n`);
    },
  });
}

export function registerDaemon(program: Command, ctx: CliContext): void {
  program
    .command("start")
    .description("start the daemon in the background (pid file run/warden.pid, log logs/daemon.log)")
    .option("--foreground", "run in this terminal, logging JSON lines to stdout, until SIGTERM/SIGINT or `warden stop`")
    .action(async (opts: { foreground?: boolean }) => {
      if (opts.foreground) return startForeground(ctx);
      const paths = homePaths(ctx.homeRoot);
      // The daemon's code is loaded only by the commands that run it.
      const { spawnDaemon } = await import("../../daemon/index.js");
      await preflight(paths, ctx.uid);
      const ready = await spawnDaemon({ paths, ...ctx.self });
      println(ctx.stdout, `Warden started (pid ${ready.pid}), control plane on ${ready.url}`);
      println(ctx.stdout, `  home ${paths.root}, log ${paths.logFile}`);
    });

  program
    .command("stop")
    .description("stop the daemon gracefully (waits until it has exited)")
    .option("--timeout <seconds>", "how long to wait before giving up", "10")
    .action(async (opts: { timeout: string }) => {
      const paths = homePaths(ctx.homeRoot);
      const info = readPidFile(paths);
      if (!lockHeld(paths)) {
        println(ctx.stdout, "Warden is not running.");
        return;
      }
      if (!info?.url) throw new WardenError("INTERNAL", "the daemon holds the lock but published no address", {});
      const deadline = Date.now() + Number(opts.timeout) * 1000;
      try {
        await new GatewayClient(info.url, readToken(paths)).request("POST", "/v1/shutdown");
      } catch (e) {
        // Not answering: fall back to SIGTERM, which the daemon handles the same way.
        if (!(e instanceof WardenError) || e.code !== "NOT_RUNNING") throw e;
        process.kill(info.pid, "SIGTERM");
      }
      while (Date.now() < deadline) {
        if (!processAlive(info.pid)) {
          println(ctx.stdout, `Warden stopped (pid ${info.pid}).`);
          return;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new WardenError("TIMEOUT", `pid ${info.pid} is still running after ${opts.timeout}s`, {
        fix: `look at ${paths.logFile}; as a last resort: kill -9 ${info.pid}`,
      });
    });

  program
    .command("status")
    .description("is the daemon running, where, since when (exit 1 when it is not)")
    .option("--json", "print the status as JSON")
    .action(async (opts: { json?: boolean }) => {
      const paths = homePaths(ctx.homeRoot);
      const status = await daemonStatus(paths);
      if (!status.running) ctx.exitCode = 1;
      if (opts.json) return printJson(ctx.stdout, status);
      if (!status.running) {
        println(ctx.stdout, `Warden is not running (home ${paths.root}).${status.problem ? ` ${status.problem}` : ""}`);
        return;
      }
      const d = status.daemon!;
      println(ctx.stdout, `Warden ${d.version} is running (pid ${d.pid}) on ${status.url}`);
      println(ctx.stdout, `  home      ${d.home}`);
      println(ctx.stdout, `  up        ${d.uptimeSeconds}s since ${d.startedAt}`);
      println(ctx.stdout, `  memory    ${(d.rssBytes / 1024 / 1024).toFixed(1)} MB RSS`);
      const cloud = d.model.provider === "openai" || d.model.provider === "anthropic";
      println(
        ctx.stdout,
        `  model     ${d.model.provider}${d.model.model ? ` (${d.model.model})` : ""}` +
          (cloud ? "  CLOUD: prompts and tool results leave this machine" : "") +
          (d.model.provider === "none" ? "  (agent off: `warden doctor` says how to get a model)" : ""),
      );
      println(ctx.stdout, `  policy    ${d.policy.rules} rules, version ${d.policy.version.slice(0, 12)}`);
      println(ctx.stdout, `  approvals ${d.approvals.pending} pending`);
      println(ctx.stdout, `  audit     ${d.audit.lastSeq ?? 0} events`);
      if (d.previousRun && !d.previousRun.clean) {
        println(ctx.stdout, `  note      the previous run (pid ${d.previousRun.pid}) did not stop cleanly`);
      }
    });
}

export interface DaemonStatus {
  running: boolean;
  home: string;
  url?: string;
  daemon?: StatusBody;
  problem?: string;
}

async function daemonStatus(paths: HomePaths): Promise<DaemonStatus> {
  const info: PidInfo | undefined = readPidFile(paths);
  if (!lockHeld(paths)) return { running: false, home: paths.root };
  if (!info?.url)
    return { running: false, home: paths.root, problem: "A process holds the lock but is still starting." };
  const daemon = await new GatewayClient(info.url, readToken(paths), 3000).request<StatusBody>("GET", "/v1/status");
  return { running: true, home: paths.root, url: info.url, daemon };
}

/** Fail fast in the foreground process, with the same errors the daemon would report from the background. */
async function preflight(paths: HomePaths, uid: number): Promise<void> {
  assertHomeSafe(paths, uid);
  // Loaded here: `status` and `stop` never read the config, and its schema and YAML parser are most of their load time.
  const { loadConfigFile } = await import("../../config/index.js");
  loadConfigFile(paths.config);
  if (lockHeld(paths)) throw alreadyRunning(paths);
}
