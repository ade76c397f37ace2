// The process entry point and composition root of the CLI: the only place that reads process.env and process.argv.
// Everything below receives what it needs as parameters.
import { readFileSync } from "node:fs";
import { type CliContext, reportFailure } from "./cli/context.js";
import { resolveHomeRoot } from "./home/index.js";

// `warden ... | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

// Everything Warden creates (database, logs, pid file, workspaces) is for its owner only, whoever forgets a mode.
process.umask(0o077);

// Set by scripts/bundle.mjs: an id of this build's code (absent when running from sources or the tsc output), and
// whether this is the daemon's build.
declare const __WARDEN_BUILD__: string | undefined;
declare const __WARDEN_DAEMON__: boolean | undefined;

const pkg = readPackage();
const readyFd = process.env.WARDEN_READY_FD ? Number(process.env.WARDEN_READY_FD) : undefined;
const childEnv = { ...process.env };
delete childEnv.WARDEN_READY_FD;

const ctx: CliContext = {
  homeRoot: resolveHomeRoot(process.env),
  version: pkg.version,
  ...(typeof __WARDEN_BUILD__ === "string" ? { build: __WARDEN_BUILD__ } : {}),
  uid: process.getuid?.() ?? 0,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  self: { execPath: process.execPath, entry: process.argv[1] ?? "", env: childEnv },
  readyFd: Number.isInteger(readyFd) ? readyFd : undefined,
  exitCode: 0,
};
// The daemon's own build (dist/daemon/) is this file with __WARDEN_DAEMON__ true: bin/warden.js runs it for exactly
// `warden start --foreground` (what `warden start` spawns), and the bundler drops the CLI it never uses.
// (Tested inline, not through a variable, so the bundler sees a constant and drops the other branch.)
process.exitCode =
  typeof __WARDEN_DAEMON__ === "boolean" && __WARDEN_DAEMON__
    ? await runDaemon(ctx)
    : await (await import("./cli/program.js")).runCli(process.argv.slice(2), ctx);

async function runDaemon(ctx: CliContext): Promise<number> {
  try {
    await (await import("./cli/commands/daemon.js")).startForeground(ctx);
    return ctx.exitCode;
  } catch (e) {
    return reportFailure(e, ctx, false);
  }
}

/** This package's package.json: one folder up from dist/, two from dist/bundle/. */
function readPackage(): { version: string } {
  for (const rel of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version: string };
      if (pkg.name === "warden") return pkg;
    } catch {
      // Not at this level; try the next.
    }
  }
  return { version: "unknown" };
}
