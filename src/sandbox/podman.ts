// The podman backend: the same profile as bwrap, built from podman's own options, for hosts that prefer a container
// engine. Each command is one `podman run --rm` of an empty read-only root (--rootfs) with /usr and the synthetic /etc
// mounted read-only, the workspace the only writable mount, no network, no capabilities, no_new_privs, Warden's
// seccomp filter (as an OCI profile), rlimits plus cgroup pids/memory limits, and a kill of the container at the
// deadline. Fails closed like bwrap: anything missing is SANDBOX_UNAVAILABLE and nothing runs outside a container.
// Tested rootful (Warden as root, commands as sandbox.runAsUid); rootless keeps the owner's uid (--userns keep-id).
import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { access, chmod, chown, lstat, mkdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { err, ok, type Result, WardenError } from "../errors.js";
import { probeTrue, unavailable } from "./backend.js";
import {
  CONTAINER_LABEL,
  containerKiller,
  ENGINE_ENV,
  engine,
  limitFlags,
  reapStaleContainers,
  roVolume,
  unmountablePath,
  workspaceVolumes,
  writeEnvFile,
} from "./container.js";
import { buildEtc } from "./etc.js";
import { createdSensitive, type PlannedPaths, planPaths } from "./plan.js";
import { sandboxEnv } from "./profile.js";
import { killAllRuns, type Running, runIo, runProcess, runResult } from "./runner.js";
import { makeRuntimeDir } from "./runtime-dir.js";
import { ociSeccompProfile } from "./seccomp.js";
import { seccompArchFor } from "./syscalls.js";
import type { BackendOptions, CommandSpec, Limits, RunResult, Sandbox, SandboxInfo } from "./types.js";

export interface PodmanOptions extends BackendOptions {
  /** The podman binary; default /usr/bin/podman. PATH is never searched. */
  enginePath?: string;
  /** OCI runtime for `podman --runtime` (e.g. "runc" where crun refuses a hybrid cgroup host); default podman's. */
  ociRuntime?: string;
}

interface Prepared {
  runtimeDir: string;
  rootfs: string;
  etcDir: string;
  etcBinds: string[];
  /** Host top-level folders (not symlinks) such as a real /lib64, bound read-only. */
  rootDirs: string[];
  seccomp: string;
  user: string[];
}

// The command runs behind a tiny shell that first says "started" on fd 3: only then is an exit code the command's
// (podman itself exits 125-127 for its own failures, which the command could also return).
const STARTED_WRAPPER = 'printf S >&3; exec 3>&-; exec "$@"';

export class PodmanSandbox implements Sandbox {
  readonly backend = "podman" as const;
  readonly #o: PodmanOptions;
  #prepared: Promise<Result<Prepared, WardenError>> | undefined;
  readonly #running = new Map<Running, string>();
  /** `<pid>:<random>`: the label value on this Sandbox's containers; the pid lets a later Warden reap them. */
  readonly #instance = `${process.pid}:${randomUUID().slice(0, 8)}`;
  #closed = false;

  constructor(options: PodmanOptions) {
    this.#o = options;
  }

  get enginePath(): string {
    return this.#o.enginePath ?? "/usr/bin/podman";
  }

  #global(): string[] {
    return this.#o.ociRuntime ? ["--runtime", this.#o.ociRuntime] : [];
  }

  async #prepare(): Promise<Result<Prepared, WardenError>> {
    const arch = seccompArchFor(process.arch);
    if (!arch) return err(unavailable(`no seccomp filter for ${process.arch}`, "run Warden on x86_64 or aarch64"));
    try {
      await access(this.enginePath, constants.X_OK);
    } catch {
      return err(unavailable(`podman not found at ${this.enginePath}`, "apt-get install podman"));
    }
    const uid = this.#o.uid ?? process.getuid?.() ?? 0;
    const identity = uid === 0 ? (this.#o.runAs ?? { uid: 65534, gid: 65534 }) : undefined;
    const runtimeDir = await makeRuntimeDir("warden-podman", this.#o.runtimeParent);
    // An empty root: symlinks for /bin, /lib... as the host has them; every folder is a mount point podman fills.
    const rootfs = join(runtimeDir, "rootfs");
    await mkdir(rootfs);
    await chmod(rootfs, 0o755); // explicit: Warden runs with umask 077, and the sandbox uid must traverse its root
    const rootDirs: string[] = [];
    for (const name of ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]) {
      const st = await lstat(`/${name}`).catch(() => undefined);
      if (st?.isSymbolicLink()) await symlink(await readlink(`/${name}`), join(rootfs, name));
      else if (st?.isDirectory()) rootDirs.push(`/${name}`);
    }
    const etcDir = join(runtimeDir, "etc");
    const etcBinds = buildEtc(etcDir, identity ?? { uid, gid: process.getgid?.() ?? uid });
    const seccomp = join(runtimeDir, "seccomp.json");
    await writeFile(seccomp, JSON.stringify(ociSeccompProfile(arch)), { mode: 0o644 });
    await mkdir(join(runtimeDir, "probe"), { mode: 0o700 });
    if (identity) await chown(join(runtimeDir, "probe"), identity.uid, identity.gid);
    const user = identity ? ["--user", `${identity.uid}:${identity.gid}`] : ["--userns", "keep-id"];
    // Containers a Warden killed with SIGKILL left running (conmon owns them): removed now that no one waits on them.
    await reapStaleContainers(
      (args, o) => engine(this.enginePath, [...this.#global(), ...args], o),
      `{{index .Labels "${CONTAINER_LABEL}"}}`,
    );
    return ok({ runtimeDir, rootfs, etcDir, etcBinds, rootDirs, seccomp, user });
  }

  #ready(): Promise<Result<Prepared, WardenError>> {
    this.#prepared ??= this.#prepare().catch((e: unknown) =>
      err(unavailable("cannot prepare the podman runtime folder", "check the temp folder is writable", e)),
    );
    return this.#prepared;
  }

  async probe(): Promise<Result<SandboxInfo, WardenError>> {
    const prep = await this.#ready();
    if (!prep.ok) return prep;
    const ran = await probeTrue(this, prep.value.runtimeDir, () => "podman info");
    if (!ran.ok) return ran;
    const v = await engine(this.enginePath, ["--version"]);
    return ok({ backend: "podman", version: v.out.trim().replace(/^podman version\s+/, "") });
  }

  /** podman's arguments for one command; the environment goes through `envFile`, never the command line. */
  #args(p: Prepared, spec: CommandSpec, limits: Limits, pp: PlannedPaths, name: string) {
    const ro = roVolume;
    const a = [
      ...this.#global(),
      "run",
      "--rm",
      "--name",
      name,
      "--label",
      `${CONTAINER_LABEL}=${this.#instance}`,
      "--log-driver",
      "none", // output is streamed to Warden only, never kept in podman's logs
      "--network",
      "none",
      "--read-only",
      "--read-only-tmpfs=false",
      "--cap-drop",
      "all",
      "--security-opt",
      "no-new-privileges",
      "--security-opt",
      `seccomp=${p.seccomp}`,
      "--security-opt",
      "mask=/sys", // bwrap shows no /sys at all
      "--hostname",
      "warden",
      "--no-hosts", // our synthetic /etc/hosts, not one naming the host and host.containers.internal
      "--passwd=false", // our synthetic passwd and group, not entries podman adds
      "--pull",
      "never",
      ...p.user,
      ...limitFlags(limits),
      ...ro("/usr"),
      ...p.rootDirs.flatMap((d) => ro(d)),
      ...ro(p.etcDir, "/etc"),
      ...p.etcBinds.flatMap((d) => ro(`/etc/${d}`)),
      ...workspaceVolumes(pp),
      "--workdir",
      pp.cwd,
      "--preserve-fds",
      "1",
      ...(spec.stdin !== undefined ? ["--interactive"] : []),
    ];
    return { args: a, workspace: pp.workspace, absent: pp.absentSensitive };
  }

  async run(spec: CommandSpec): Promise<Result<RunResult, WardenError>> {
    if (spec.argv.length === 0 || spec.argv[0] === "")
      return err(new WardenError("BAD_REQUEST", "empty command", { fix: "give a command after --" }));
    if (this.#closed) return err(unavailable("the sandbox is closed (Warden is stopping)", "start Warden again"));
    if (spec.net?.mode === "proxy")
      return err(unavailable("the podman backend has no egress-proxy bridge yet", "use sandbox.backend: bwrap"));
    const prep = await this.#ready();
    if (!prep.ok) return prep;
    const p = prep.value;
    const limits: Limits = { ...this.#o.defaultLimits, ...spec.limits };
    const paths = await planPaths({
      workspace: spec.workspace,
      cwd: spec.cwd,
      paths: spec.paths,
      writableSensitive: spec.writableSensitive,
      forbidden: [...(this.#o.forbiddenPaths ?? []), p.etcDir, p.seccomp, p.rootfs],
    });
    if (!paths.ok) return paths;
    const bad = unmountablePath(paths.value, "podman");
    if (bad) return err(bad);
    const name = `warden-${randomUUID()}`;
    const built = this.#args(p, spec, limits, paths.value, name);
    // The environment file lives in the private runtime folder (tmpfs when /dev/shm is one), readable by this
    // process only, and is removed as soon as the container has started (podman read it by then) or failed.
    const env = await writeEnvFile(
      p.runtimeDir,
      name,
      sandboxEnv({ workspace: paths.value.workspace, inject: spec.env, proxy: false }),
    );
    if (!env.ok) return env;
    const envFile = env.value.path;
    const removeEnv = env.value.remove;
    const args = [
      ...built.args,
      "--env-file",
      envFile,
      "--rootfs",
      p.rootfs,
      "/bin/sh",
      "-c",
      STARTED_WRAPPER,
      "sh",
      ...spec.argv,
    ];
    let started = false;
    let stopping = false;
    let settled = false;
    // Killing the podman client does not stop the container (conmon owns it): kill the container by name, again
    // until the client has exited; only if the engine does not answer, kill the client too and remove it by force.
    const kill = containerKiller(
      () => engine(this.enginePath, [...this.#global(), "kill", "--signal", "KILL", name], { timeout: 10_000 }),
      () => engine(this.enginePath, [...this.#global(), "rm", "--force", "--time", "0", name]),
      () => settled,
    );
    const running = runProcess(
      {
        file: this.enginePath,
        args,
        env: { ...ENGINE_ENV },
        fds: [
          {
            onData: () => {
              started = true;
              removeEnv();
            },
          },
        ],
      },
      runIo(spec, limits),
      (killGroup) => {
        stopping = true;
        kill(killGroup);
      },
    );
    void running.done.then(() => {
      settled = true;
    });
    this.#running.set(running, name);
    const o = await running.done.finally(() => this.#running.delete(running));
    removeEnv();
    if (stopping) await this.#gone(name);
    if (o.spawnError)
      return err(unavailable(`cannot start podman: ${o.spawnError.message}`, "apt-get install podman", o.spawnError));
    const killed = o.timedOut || o.aborted;
    if (!started && !killed) {
      const line = o.stderr.trim().split("\n").at(-1) || `podman exited ${o.code}`;
      return err(
        new WardenError("SANDBOX_UNAVAILABLE", `container could not be started: ${line}`, {
          fix: /hybrid mode/.test(line)
            ? "set sandbox.podmanRuntime: runc (crun refuses hybrid cgroup hosts)"
            : "check `podman info`; the workspace must be reachable by the sandbox uid",
          data: { stderr: o.stderr.slice(0, 2000) },
        }),
      );
    }
    return ok(runResult(o, killed ? null : o.code, createdSensitive(built.workspace, built.absent)));
  }

  /** After a kill: the container must be gone; one stuck in podman's bookkeeping is removed by force. */
  async #gone(name: string): Promise<void> {
    const r = await engine(this.enginePath, [...this.#global(), "container", "exists", name], { timeout: 15_000 });
    if (r.code === 0) await engine(this.enginePath, [...this.#global(), "rm", "--force", "--time", "0", name]);
  }

  killAll(): Promise<void> {
    return killAllRuns(this.#running.keys());
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.killAll();
    const prep = await this.#prepared;
    if (prep?.ok) await rm(prep.value.runtimeDir, { recursive: true, force: true });
    this.#prepared = undefined;
  }
}
