// The `none` backend: runs the command WITHOUT isolation (clean environment, limits via prlimit, wall timeout,
// process-group kill). Only an explicit `sandbox.backend: none` with `allowUnsandboxed: true` selects it; doctor and
// the security audit flag it in red. It must never be chosen as a fallback when bwrap fails.
// Without a pid namespace, a process that detaches itself (setsid) can outlive the command: one more reason it is
// not a sandbox.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { err, ok, type Result, WardenError } from "../errors.js";
import type { ForbiddenPath } from "./plan.js";
import { planPaths } from "./plan.js";
import { innerCommand, sandboxEnv } from "./profile.js";
import { killAllRuns, type Running, runIo, runProcess, runResult } from "./runner.js";
import type { CommandSpec, Limits, RunResult, Sandbox, SandboxInfo } from "./types.js";

export interface NoneOptions {
  defaultLimits: Limits;
  prlimitPath?: string;
  forbiddenPaths?: readonly ForbiddenPath[];
  /** Host uid/gid commands run as when this process is root (never root itself); default 65534:65534. */
  runAs?: { uid: number; gid: number };
}

export class NoneSandbox implements Sandbox {
  readonly backend = "none" as const;
  readonly #o: NoneOptions;
  readonly #running = new Set<Running>();

  constructor(options: NoneOptions) {
    this.#o = options;
  }

  async probe(): Promise<Result<SandboxInfo, WardenError>> {
    return ok({ backend: "none", version: "unsandboxed" });
  }

  async run(spec: CommandSpec): Promise<Result<RunResult, WardenError>> {
    if (spec.argv.length === 0 || spec.argv[0] === "")
      return err(new WardenError("BAD_REQUEST", "empty command", { fix: "give a command after --" }));
    if (spec.net?.mode === "proxy")
      return err(
        new WardenError("SANDBOX_UNAVAILABLE", "the none backend cannot confine the network to the egress proxy", {
          fix: "use sandbox.backend: bwrap",
        }),
      );
    const prlimit = this.#o.prlimitPath ?? "/usr/bin/prlimit";
    try {
      await access(prlimit, constants.X_OK);
    } catch {
      return err(
        new WardenError("SANDBOX_UNAVAILABLE", `prlimit not found at ${prlimit}`, {
          fix: "apt-get install util-linux",
        }),
      );
    }
    const paths = await planPaths({
      workspace: spec.workspace,
      cwd: spec.cwd,
      forbidden: this.#o.forbiddenPaths ?? [],
    });
    if (!paths.ok) return paths;
    const limits: Limits = { ...this.#o.defaultLimits, ...spec.limits };
    const [file, ...args] = innerCommand(spec.argv, limits, { limitsPath: prlimit });
    const running = runProcess(
      {
        file: file as string,
        args,
        env: sandboxEnv({ workspace: paths.value.workspace, inject: spec.env, proxy: false }),
        cwd: paths.value.cwd,
        // Even without isolation the command is never host root.
        ...(process.getuid?.() === 0 ? (this.#o.runAs ?? { uid: 65534, gid: 65534 }) : {}),
      },
      runIo(spec, limits),
    );
    this.#running.add(running);
    const o = await running.done.finally(() => this.#running.delete(running));
    if (o.spawnError) return err(new WardenError("SANDBOX_FAILED", o.spawnError.message, {}, { cause: o.spawnError }));
    const killed = o.timedOut || o.aborted;
    const signo = o.signal ? osConstants.signals[o.signal] : undefined;
    return ok(runResult(o, killed ? null : (o.code ?? (signo !== undefined ? 128 + signo : null))));
  }

  killAll(): Promise<void> {
    return killAllRuns(this.#running);
  }
}
