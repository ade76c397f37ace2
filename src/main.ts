// The process entry point and composition root of the CLI: the only place that reads process.env and process.argv.
// Everything below receives what it needs as parameters.
import { readFileSync } from "node:fs";
import { runCli } from "./cli/program.js";
import { resolveHomeRoot } from "./home/index.js";

// `warden ... | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

// Everything Warden creates (database, logs, pid file, workspaces) is for its owner only, whoever forgets a mode.
process.umask(0o077);

// Set by scripts/bundle.mjs: an id of this build's code (absent when running from sources or the tsc output).
declare const __WARDEN_BUILD__: string | undefined;

const pkg = readPackage();
const readyFd = process.env.WARDEN_READY_FD ? Number(process.env.WARDEN_READY_FD) : undefined;
const childEnv = { ...process.env };
delete childEnv.WARDEN_READY_FD;

const code = await runCli(process.argv.slice(2), {
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
});
process.exitCode = code;

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
