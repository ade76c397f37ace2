// `warden sandbox exec`: runs one command in the sandbox exactly as the daemon would (no policy), streams its
// output to the given streams and returns the process exit code: the child's, 124 on timeout, 1 (with a message on
// stderr) when the sandbox cannot run it. It never runs the command any other way when the sandbox fails.
import { resolve } from "node:path";
import type { WardenError } from "../errors.js";
import type { SandboxConfig } from "./config.js";
import { isInside } from "./plan.js";
import { profileLimits, resolveProfile } from "./profiles.js";
import type { Sandbox } from "./types.js";

export interface SandboxExecRequest {
  argv: readonly string[];
  /** Default: cwd. */
  workspace?: string;
  profile?: string;
  timeoutSec?: number;
  net?: "none" | "proxy";
  /** The caller's working directory (the CLI passes process.cwd()). */
  cwd: string;
  /** The egress proxy's unix socket (from the egress domain); required for net proxy. */
  proxySocket?: string;
  /** The egress proxy's token, if it requires one. */
  proxyToken?: string;
  /** The egress proxy's CA bundle (TLS interception), mounted read-only for clients in the sandbox. */
  proxyCaBundle?: string;
  /** The CLI passes process.stdin when it is not a TTY; default: no input. */
  stdin?: string | Uint8Array | NodeJS.ReadableStream;
  stdout: { write(chunk: Uint8Array): unknown };
  stderr: { write(chunk: Uint8Array | string): unknown };
  signal?: AbortSignal;
}

export const EXIT_TIMEOUT = 124;

function fail(req: SandboxExecRequest, e: WardenError, code = 1): number {
  req.stderr.write(`warden: ${e.message}\n${e.details.fix ? `fix: ${e.details.fix}\n` : ""}`);
  return code;
}

export async function sandboxExec(sandbox: Sandbox, config: SandboxConfig, req: SandboxExecRequest): Promise<number> {
  if (req.argv.length === 0) {
    req.stderr.write("warden: sandbox exec needs a command: warden sandbox exec [opts] -- CMD ARGS...\n");
    return 2;
  }
  const profile = resolveProfile(config, req.profile);
  if (!profile) {
    req.stderr.write(
      `warden: unknown sandbox profile ${req.profile}; known: ${Object.keys(config.profiles).join(", ")}\n`,
    );
    return 2;
  }
  if (req.net === "proxy" && !req.proxySocket) {
    req.stderr.write("warden: --net proxy needs the egress proxy, which is not running\nfix: warden start\n");
    return 1;
  }
  const limits = profileLimits(profile);
  if (req.timeoutSec !== undefined) limits.timeoutMs = Math.round(req.timeoutSec * 1000);
  const workspace = resolve(req.cwd, req.workspace ?? ".");
  const r = await sandbox.run({
    argv: req.argv,
    workspace,
    // Run where the user stands when that is inside the workspace, as a shell would; otherwise at its root.
    cwd: isInside(req.cwd, workspace) ? req.cwd : workspace,
    limits,
    paths: profile.paths,
    env: profile.env,
    net:
      req.net === "proxy" && req.proxySocket
        ? {
            mode: "proxy",
            socketPath: req.proxySocket,
            ...(req.proxyToken ? { token: req.proxyToken } : {}),
            ...(req.proxyCaBundle ? { caBundle: req.proxyCaBundle } : {}),
          }
        : { mode: "none" },
    onStdout: (c) => req.stdout.write(c),
    onStderr: (c) => req.stderr.write(c),
    ...(req.stdin !== undefined ? { stdin: req.stdin } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
  });
  if (!r.ok) return fail(req, r.error);
  if (r.value.timedOut) {
    req.stderr.write(`warden: timed out after ${limits.timeoutMs / 1000}s; the sandbox was killed\n`);
    return EXIT_TIMEOUT;
  }
  if (r.value.aborted) {
    req.stderr.write("warden: interrupted; the sandbox was killed\n");
    return 130;
  }
  return r.value.exitCode ?? 1;
}
