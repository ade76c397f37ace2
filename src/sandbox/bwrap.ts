// The bubblewrap backend: prepares what every run shares (seccomp bytes, host layout, synthetic /etc), then runs
// each command through runProcess with the full profile. Fails closed: any missing piece is SANDBOX_UNAVAILABLE
// with a fix, and no path here ever runs the command outside bwrap.
import { constants, realpathSync, statSync } from "node:fs";
import {
  access,
  chmod,
  chown,
  copyFile,
  lstat,
  mkdir,
  open,
  readlink,
  realpath,
  rm,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { err, ok, type Result, WardenError } from "../errors.js";
import { probeTrue, unavailable } from "./backend.js";
import { BRIDGE_SOURCE } from "./bridge.js";
import { buildEtc } from "./etc.js";
import { bwrapVersion, userNamespaceFix } from "./host.js";
import { createdSensitive, type PlannedPaths, planPaths } from "./plan.js";
import { bwrapArgs, innerCommand, LIMITS_HELPER_IN_SANDBOX, type RootEntry, sandboxEnv } from "./profile.js";
import { killAllRuns, type Running, runIo, runProcess, runResult, type SpawnPlan } from "./runner.js";
import { makeRuntimeDir } from "./runtime-dir.js";
import { buildSeccompFilter } from "./seccomp.js";
import { seccompArchFor } from "./syscalls.js";
import type { BackendOptions, CommandSpec, Limits, RunResult, Sandbox, SandboxInfo } from "./types.js";

/**
 * Where `npm run build` puts the compiled limits helper (helper/build.mjs). This file sits two folders below the
 * repository root in src/, dist/ and dist/bundle/ alike, so one relative URL serves all three.
 */
export const DEFAULT_LIMITS_HELPER = fileURLToPath(new URL("../../dist/libexec/warden-limits", import.meta.url));

export interface BwrapOptions extends BackendOptions {
  bwrapPath?: string;
  /** prlimit(1), used to apply the limits when the compiled helper is absent. */
  prlimitPath?: string;
  /**
   * The compiled limits helper (helper/warden-limits.c); default DEFAULT_LIMITS_HELPER. When the file is absent
   * (no C compiler at build time) or this is null, limits are applied with prlimit(1) instead: same limits, one
   * dynamically linked exec more (~1 ms).
   */
  limitsHelperPath?: string | null;
  /** Node binary used for the in-sandbox egress bridge (--net proxy). */
  nodePath?: string;
}

interface Prepared {
  /** The seccomp program (bytes from buildSeccompFilter), written once. */
  seccompFile: string;
  rootEntries: RootEntry[];
  etcBinds: string[];
  runtimeDir: string;
  identity?: { uid: number; gid: number };
  nodeDir?: string;
  /** The limits helper's copy in the runtime folder (bound into the sandbox), or undefined to use prlimit. */
  limitsHelper?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The real path of an existing regular file, else undefined. */
function realFile(p: string): string | undefined {
  try {
    const r = realpathSync(p);
    return statSync(r).isFile() ? r : undefined;
  } catch {
    return undefined;
  }
}

async function exists(p: string, mode = constants.F_OK): Promise<boolean> {
  try {
    await access(p, mode);
    return true;
  } catch {
    return false;
  }
}

// ELF e_machine values of the architectures the seccomp filter supports.
const ELF_MACHINE: Partial<Record<string, number>> = { x64: 62, arm64: 183 };

/** True when the file is an ELF executable for this CPU (a helper built elsewhere is ignored, not run). */
async function nativeElf(path: string): Promise<boolean> {
  try {
    const h = await open(path, "r");
    try {
      const { buffer, bytesRead } = await h.read(Buffer.alloc(20), 0, 20, 0);
      return (
        bytesRead === 20 &&
        buffer.readUInt32BE(0) === 0x7f454c46 &&
        buffer.readUInt16LE(18) === ELF_MACHINE[process.arch]
      );
    } finally {
      await h.close();
    }
  } catch {
    return false;
  }
}

export class BwrapSandbox implements Sandbox {
  readonly backend = "bwrap" as const;
  readonly #o: BwrapOptions;
  #prepared: Promise<Result<Prepared, WardenError>> | undefined;
  readonly #running = new Set<Running>();
  #closed = false;

  constructor(options: BwrapOptions) {
    this.#o = options;
  }

  get bwrapPath(): string {
    return this.#o.bwrapPath ?? "/usr/bin/bwrap";
  }

  async #prepare(): Promise<Result<Prepared, WardenError>> {
    const arch = seccompArchFor(process.arch);
    if (!arch)
      return err(unavailable(`no seccomp filter for ${process.arch}`, "run Warden on x86_64 or aarch64 Linux"));
    if (!(await exists(this.bwrapPath, constants.X_OK)))
      return err(unavailable(`bubblewrap not found at ${this.bwrapPath}`, "apt-get install bubblewrap"));
    const helper = this.#o.limitsHelperPath === undefined ? DEFAULT_LIMITS_HELPER : this.#o.limitsHelperPath;
    const useHelper = helper !== null && (await exists(helper, constants.X_OK)) && (await nativeElf(helper));
    const prlimit = this.#o.prlimitPath ?? "/usr/bin/prlimit";
    if (!useHelper && !(await exists(prlimit, constants.X_OK)))
      return err(unavailable(`prlimit not found at ${prlimit}`, "apt-get install util-linux (or npm run build)"));
    const rootEntries: RootEntry[] = [];
    for (const name of ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]) {
      try {
        const st = await lstat(`/${name}`);
        if (st.isSymbolicLink()) rootEntries.push({ name, symlink: await readlink(`/${name}`) });
        else if (st.isDirectory()) rootEntries.push({ name, dir: true });
      } catch {
        // not on this host
      }
    }
    const uid = this.#o.uid ?? process.getuid?.() ?? 0;
    const gid = this.#o.gid ?? process.getgid?.() ?? 0;
    const identity = uid === 0 ? (this.#o.runAs ?? { uid: 65534, gid: 65534 }) : undefined;
    // Private, unpredictable folder; readable by the sandbox uid (bwrap runs as that uid and must bind these files).
    const runtimeDir = await makeRuntimeDir("warden-sandbox", this.#o.runtimeParent);
    const etcBinds = buildEtc(join(runtimeDir, "etc"), identity ?? { uid, gid });
    // The probe's workspace belongs to the sandbox user alone (writable by it, by nobody else).
    await mkdir(join(runtimeDir, "probe"), { mode: 0o700 });
    if (identity) await chown(join(runtimeDir, "probe"), identity.uid, identity.gid);
    // A private copy, owned by this process and readable by the sandbox uid wherever Warden is installed.
    let limitsHelper: string | undefined;
    if (useHelper) {
      limitsHelper = join(runtimeDir, "warden-limits");
      await copyFile(helper, limitsHelper);
      await chmod(limitsHelper, 0o755);
    }
    // The filter as a file: each run hands bwrap a fresh read-only descriptor of it instead of a pipe to fill.
    const seccompFile = join(runtimeDir, "seccomp.bpf");
    await writeFile(seccompFile, buildSeccompFilter(arch), { mode: 0o600 });
    const node = await realpath(this.#o.nodePath ?? process.execPath);
    const nodeDir = node.startsWith("/usr/") ? undefined : dirname(node);
    return ok({
      seccompFile,
      rootEntries,
      etcBinds,
      runtimeDir,
      ...(identity ? { identity } : {}),
      ...(nodeDir ? { nodeDir } : {}),
      ...(limitsHelper ? { limitsHelper } : {}),
    });
  }

  #ready(): Promise<Result<Prepared, WardenError>> {
    this.#prepared ??= this.#prepare().catch((e: unknown) =>
      err(unavailable("cannot prepare the sandbox runtime folder", "check the temp folder is writable", e)),
    );
    return this.#prepared;
  }

  async probe(): Promise<Result<SandboxInfo, WardenError>> {
    const prep = await this.#ready();
    if (!prep.ok) return prep;
    const ran = await probeTrue(this, prep.value.runtimeDir, userNamespaceFix);
    if (!ran.ok) return ran;
    const version = await bwrapVersion(this.bwrapPath);
    if (!version.ok) return version;
    return ok({ backend: "bwrap", version: version.value });
  }

  /**
   * The exact process a command would run as (bwrap argv, environment, identity, helper fds), without running it.
   * Used by run(), by the benchmark to split the profile's cost from Warden's, and for debugging.
   */
  async plan(spec: CommandSpec): Promise<Result<SpawnPlan & { limits: Limits; paths: PlannedPaths }, WardenError>> {
    if (spec.argv.length === 0 || spec.argv[0] === "")
      return err(new WardenError("BAD_REQUEST", "empty command", { fix: "give a command after --" }));
    if (this.#closed) return err(unavailable("the sandbox is closed (Warden is stopping)", "start Warden again"));
    const prep = await this.#ready();
    if (!prep.ok) return prep;
    const p = prep.value;
    const limits: Limits = { ...this.#o.defaultLimits, ...spec.limits };
    const proxy = spec.net?.mode === "proxy" ? spec.net.socketPath : undefined;
    const paths = await planPaths({
      workspace: spec.workspace,
      cwd: spec.cwd,
      paths: spec.paths,
      writableSensitive: spec.writableSensitive,
      proxySocket: proxy,
      // The runtime folder's shared parts are never granted (a writable helper would run in every later sandbox).
      forbidden: [
        ...(this.#o.forbiddenPaths ?? []),
        join(p.runtimeDir, "etc"),
        p.seccompFile,
        ...(p.limitsHelper ? [p.limitsHelper] : []),
      ],
    });
    if (!paths.ok) return paths;
    const pp = paths.value;
    const caBundle = proxy && spec.net?.mode === "proxy" ? spec.net.caBundle : undefined;
    const caReal = caBundle === undefined ? undefined : realFile(caBundle);
    if (caBundle !== undefined && caReal === undefined)
      return err(
        unavailable(`egress CA bundle ${caBundle} is not a file`, "restart the daemon (warden stop; warden start)"),
      );
    const args = bwrapArgs({
      ...pp,
      rootEntries: p.rootEntries,
      etcDir: join(p.runtimeDir, "etc"),
      etcBinds: p.etcBinds,
      limits,
      seccompFd: 3,
      statusFd: 4,
      ...(p.nodeDir && proxy ? { helperDirs: [p.nodeDir] } : {}),
      ...(caReal ? { caBundle: caReal } : {}),
      ...(p.limitsHelper ? { limitsHelper: p.limitsHelper } : {}),
    });
    const node = this.#o.nodePath ?? process.execPath;
    const inner = innerCommand(spec.argv, limits, {
      limitsPath: p.limitsHelper ? LIMITS_HELPER_IN_SANDBOX : (this.#o.prlimitPath ?? "/usr/bin/prlimit"),
      ...(proxy ? { bridge: { nodePath: node, source: BRIDGE_SOURCE } } : {}),
    });
    const env = sandboxEnv({
      workspace: pp.workspace,
      inject: spec.env,
      proxy: proxy !== undefined,
      proxyToken: spec.net?.mode === "proxy" ? spec.net.token : undefined,
      caBundle: caReal !== undefined,
    });
    for (const [k, v] of Object.entries(env))
      if (!ENV_NAME.test(k) || v.includes("\0"))
        return err(new WardenError("BAD_REQUEST", `invalid environment variable ${JSON.stringify(k)}`));
    // bubblewrap runs on the host before any isolation: it gets an EMPTY environment (an injected LD_PRELOAD or
    // GCONV_PATH would otherwise run code outside the sandbox), and every option, the sandbox's environment
    // included, reaches it through a pipe (--args), so no value shows in `ps` or /proc/PID/cmdline.
    const options = [...args, "--clearenv", ...Object.entries(env).flatMap(([k, v]) => ["--setenv", k, v])];
    return ok({
      file: this.bwrapPath,
      args: ["--args", "5", "--", ...inner],
      env: {},
      ...(p.identity ? { uid: p.identity.uid, gid: p.identity.gid } : {}),
      fds: [{ path: p.seccompFile }, "status", Buffer.from(options.map((o) => `${o}\0`).join(""))],
      limits,
      paths: pp,
    });
  }

  async run(spec: CommandSpec): Promise<Result<RunResult, WardenError>> {
    const planned = await this.plan(spec);
    if (!planned.ok) return planned;
    // Checked after the await: a run that was still planning when close() began must not start afterwards.
    if (this.#closed) return err(unavailable("the sandbox is closed (Warden is stopping)", "start Warden again"));
    const { limits, paths, ...plan } = planned.value;
    const running = runProcess(plan, runIo(spec, limits));
    this.#running.add(running);
    const o = await running.done.finally(() => this.#running.delete(running));
    if (o.spawnError)
      return err(
        unavailable(`cannot start bubblewrap: ${o.spawnError.message}`, "apt-get install bubblewrap", o.spawnError),
      );
    const exit = o.status.find((s) => typeof s["exit-code"] === "number")?.["exit-code"] as number | undefined;
    const killed = o.timedOut || o.aborted;
    if (exit === undefined && !killed) {
      // bwrap reports exit-code only for a command it started: without one, the profile could not be applied.
      const started = o.status.some((s) => typeof s["child-pid"] === "number");
      const line = o.stderr.trim().split("\n")[0] || `bwrap exited ${o.code}`;
      return err(
        new WardenError("SANDBOX_UNAVAILABLE", `sandbox could not be set up: ${line}`, {
          fix: started
            ? `the sandbox runs as host uid ${plan.uid ?? process.getuid?.()}: make the workspace and granted paths reachable by it (o+x on parent folders) or run Warden as their owner`
            : await userNamespaceFix(),
          data: { stderr: o.stderr.slice(0, 2000) },
        }),
      );
    }
    return ok(runResult(o, killed ? null : (exit ?? null), createdSensitive(paths.workspace, paths.absentSensitive)));
  }

  killAll(): Promise<void> {
    return killAllRuns(this.#running);
  }

  /** Removes the private runtime folder; call once when the daemon stops. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.killAll();
    const prep = await this.#prepared;
    if (prep?.ok) await rm(prep.value.runtimeDir, { recursive: true, force: true });
    this.#prepared = undefined;
  }
}
