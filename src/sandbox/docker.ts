// The docker backend: the bwrap profile built from the docker CLI's options, for hosts that run a Docker engine (or
// anything speaking its API, such as `podman system service`). Docker has no --rootfs, so the only image is an empty
// root Warden imports itself (rootfs-tar.ts: mount points and the /bin -> usr/bin links, no files); /usr, the
// synthetic /etc and the workspace are mounted into it. Seccomp does not go through the engine (the docker CLI inlines
// a profile's JSON, which podman's API takes for a file name): Warden's limits helper, bound read-only at
// /run/warden/limits, installs the same BPF program bubblewrap loads, then applies the rlimits and execs the command.
// Fails closed like bwrap: anything missing is SANDBOX_UNAVAILABLE and nothing runs outside a container.
import { randomBytes, randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { access, chmod, chown, copyFile, mkdir, realpath, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { err, ok, type Result, WardenError } from "../errors.js";
import { probeTrue, unavailable } from "./backend.js";
import { DEFAULT_LIMITS_HELPER } from "./bwrap.js";
import {
  CONTAINER_LABEL,
  containerKiller,
  ENGINE_ENV,
  engine,
  hostRootEntries,
  reapStaleContainers,
  unmountablePath,
  writeEnvFile,
} from "./container.js";
import { type DockerPrepared, type DockerProxy, dockerRunArgs, rootImage } from "./docker-args.js";
import { buildEtc } from "./etc.js";
import { createdSensitive, planPaths } from "./plan.js";
import { type RootEntry, sandboxEnv } from "./profile.js";
import { killAllRuns, type Running, runIo, runProcess, runResult } from "./runner.js";
import { makeRuntimeDir } from "./runtime-dir.js";
import { buildSeccompFilter } from "./seccomp.js";
import { seccompArchFor } from "./syscalls.js";
import type { BackendOptions, CommandSpec, Limits, RunResult, Sandbox, SandboxInfo } from "./types.js";

export interface DockerOptions extends BackendOptions {
  /** The docker CLI; default /usr/bin/docker. PATH is never searched. */
  enginePath?: string;
  /** The engine's socket (`unix:///run/docker.sock`), passed as --host; default the CLI's own default. */
  host?: string;
  /** The compiled limits helper (it also loads the seccomp program); default DEFAULT_LIMITS_HELPER. Required. */
  limitsHelperPath?: string;
  /** Node binary for the in-container egress bridge (--net proxy); default process.execPath. */
  nodePath?: string;
}

export class DockerSandbox implements Sandbox {
  readonly backend = "docker" as const;
  readonly #o: DockerOptions;
  #prepared: Promise<Result<DockerPrepared, WardenError>> | undefined;
  readonly #running = new Set<Running>();
  /** `<pid>:<random>`: the label value on this Sandbox's containers; the pid lets a later Warden reap them. */
  readonly #instance = `${process.pid}:${randomUUID().slice(0, 8)}`;
  #closed = false;

  constructor(options: DockerOptions) {
    this.#o = options;
  }

  get enginePath(): string {
    return this.#o.enginePath ?? "/usr/bin/docker";
  }

  #global(configDir: string): string[] {
    return ["--config", configDir, ...(this.#o.host ? ["--host", this.#o.host] : [])];
  }

  #engine(p: Pick<DockerPrepared, "configDir">, args: string[], opts?: { timeout?: number; input?: Buffer }) {
    return engine(this.enginePath, [...this.#global(p.configDir), ...args], opts);
  }

  async #prepare(): Promise<Result<DockerPrepared, WardenError>> {
    const arch = seccompArchFor(process.arch);
    if (!arch) return err(unavailable(`no seccomp filter for ${process.arch}`, "run Warden on x86_64 or aarch64"));
    if (
      !(await access(this.enginePath, constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      return err(
        unavailable(`docker not found at ${this.enginePath}`, "install the docker CLI or set sandbox.dockerPath"),
      );
    const helper = this.#o.limitsHelperPath ?? DEFAULT_LIMITS_HELPER;
    if (
      !(await access(helper, constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      return err(
        unavailable(
          `the limits helper ${helper} is missing (the docker backend loads seccomp with it)`,
          "npm run build with a C compiler (apt-get install gcc)",
        ),
      );
    const uid = this.#o.uid ?? process.getuid?.() ?? 0;
    const gid = this.#o.gid ?? process.getgid?.() ?? 0;
    const user = uid === 0 ? (this.#o.runAs ?? { uid: 65534, gid: 65534 }) : { uid, gid };
    const runtimeDir = await makeRuntimeDir("warden-docker", this.#o.runtimeParent);
    const dir = async (path: string, mode = 0o755) => {
      await mkdir(path, { recursive: true });
      await chmod(path, mode); // explicit: Warden runs with umask 077, and the sandbox uid must traverse these
    };
    const etcDir = join(runtimeDir, "etc");
    const etcBinds = buildEtc(etcDir, user);
    const runDir = join(runtimeDir, "run");
    await dir(runDir);
    await dir(join(runDir, "warden"));
    await copyFile(helper, join(runDir, "warden", "limits"));
    await chmod(join(runDir, "warden", "limits"), 0o755);
    await writeFile(join(runDir, "warden", "seccomp.bpf"), buildSeccompFilter(arch));
    await chmod(join(runDir, "warden", "seccomp.bpf"), 0o644); // the sandbox uid reads it; the umask is 077
    // Mount points for --net proxy's socket and CA bundle inside the read-only /run/warden.
    for (const f of ["egress.sock", "ca.pem"]) await writeFile(join(runDir, "warden", f), "");
    const sysDir = join(runtimeDir, "sys");
    for (const d of [sysDir, join(sysDir, "fs"), join(sysDir, "fs", "cgroup")]) await dir(d);
    const emptyDir = join(runtimeDir, "empty");
    await dir(emptyDir);
    const configDir = join(runtimeDir, "docker-config");
    await dir(configDir, 0o700);
    await mkdir(join(runtimeDir, "probe"), { mode: 0o700 });
    await chown(join(runtimeDir, "probe"), user.uid, user.gid);
    const rootEntries: RootEntry[] = await hostRootEntries();
    const { tar, image } = rootImage(rootEntries);
    const base = { configDir };
    const have = await this.#engine(base, ["image", "inspect", "--format", "{{.Id}}", image]);
    if (have.code !== 0) {
      const imported = await this.#engine(base, ["import", "-", image], { input: tar, timeout: 60_000 });
      if (imported.code !== 0)
        return err(
          unavailable(
            `the docker engine cannot be used: ${(imported.err || have.err).trim().split("\n").at(-1) ?? ""}`,
            this.#o.host
              ? `start the engine behind ${this.#o.host} (docker info must work)`
              : "start the Docker engine (docker info must work) or set sandbox.dockerHost",
          ),
        );
    }
    await reapStaleContainers((args, o) => this.#engine(base, args, o), `{{.Label "${CONTAINER_LABEL}"}}`);
    const rootDirs = rootEntries.filter((e) => !("symlink" in e)).map((e) => `/${e.name}`);
    return ok({ runtimeDir, image, etcDir, etcBinds, rootDirs, runDir, sysDir, emptyDir, configDir, user });
  }

  #ready(): Promise<Result<DockerPrepared, WardenError>> {
    this.#prepared ??= this.#prepare().catch((e: unknown) =>
      err(unavailable("cannot prepare the docker runtime folder", "check the temp folder is writable", e)),
    );
    return this.#prepared;
  }

  async probe(): Promise<Result<SandboxInfo, WardenError>> {
    const prep = await this.#ready();
    if (!prep.ok) return prep;
    const ran = await probeTrue(this, prep.value.runtimeDir, () => "check `docker info`");
    if (!ran.ok) return ran;
    const v = await this.#engine(prep.value, ["version", "--format", "{{.Server.Version}}"]);
    return ok({ backend: "docker", version: v.out.trim() || "unknown" });
  }

  async run(spec: CommandSpec): Promise<Result<RunResult, WardenError>> {
    if (spec.argv.length === 0 || spec.argv[0] === "")
      return err(new WardenError("BAD_REQUEST", "empty command", { fix: "give a command after --" }));
    if (this.#closed) return err(unavailable("the sandbox is closed (Warden is stopping)", "start Warden again"));
    const prep = await this.#ready();
    if (!prep.ok) return prep;
    const p = prep.value;
    const limits: Limits = { ...this.#o.defaultLimits, ...spec.limits };
    const paths = await planPaths({
      workspace: spec.workspace,
      cwd: spec.cwd,
      paths: spec.paths,
      writableSensitive: spec.writableSensitive,
      proxySocket: spec.net?.mode === "proxy" ? spec.net.socketPath : undefined,
      forbidden: [...(this.#o.forbiddenPaths ?? []), p.etcDir, p.runDir, p.sysDir, p.emptyDir, p.configDir],
    });
    if (!paths.ok) return paths;
    const bad = unmountablePath(paths.value, "docker");
    if (bad) return err(bad);
    let proxy: DockerProxy | undefined;
    if (spec.net?.mode === "proxy" && paths.value.proxySocket) {
      const nodePath = await realpath(this.#o.nodePath ?? process.execPath);
      const ca = spec.net.caBundle === undefined ? undefined : await realpath(spec.net.caBundle).catch(() => "");
      if (ca === "")
        return err(unavailable(`egress CA bundle ${spec.net.caBundle} is not a file`, "restart the daemon"));
      proxy = {
        socket: paths.value.proxySocket,
        nodePath,
        ...(ca ? { caBundle: ca } : {}),
        ...(nodePath.startsWith("/usr/") ? {} : { nodeDir: dirname(nodePath) }),
      };
      for (const path of [proxy.socket, proxy.caBundle ?? "", proxy.nodeDir ?? ""])
        if (/[:,\n]/.test(path))
          return err(
            unavailable(`the docker backend cannot mount ${JSON.stringify(path)}`, "use sandbox.backend: bwrap"),
          );
    }
    const name = `warden-${randomUUID()}`;
    const env = await writeEnvFile(
      p.runtimeDir,
      name,
      sandboxEnv({
        workspace: paths.value.workspace,
        inject: spec.env,
        proxy: proxy !== undefined,
        proxyToken: spec.net?.mode === "proxy" ? spec.net.token : undefined,
        caBundle: proxy?.caBundle !== undefined,
      }),
    );
    if (!env.ok) return env;
    const token = `<warden:${randomBytes(12).toString("hex")}>`;
    const args = dockerRunArgs(p, {
      name,
      instance: this.#instance,
      limits,
      paths: paths.value,
      envFile: env.value.path,
      argv: spec.argv,
      token,
      stdin: spec.stdin !== undefined,
      global: this.#global(p.configDir),
      ...(proxy ? { proxy } : {}),
    });
    let settled = false;
    let waitedCode: number | undefined;
    // Some engines (podman's API with a recent docker CLI) never close the attach stream, so the client outlives its
    // container. Once the command runs, `docker wait` gives its exit code; the client may then still be delivering
    // the last output: it is killed (the container is already gone) only once no output came for 250 ms.
    let lastOutput = performance.now();
    const watch = async () => {
      const w = await this.#engine(p, ["wait", name], { timeout: limits.timeoutMs + 60_000 });
      const code = Number(w.out.trim());
      if (w.code !== 0 || !Number.isInteger(code) || settled) return;
      waitedCode = code;
      do await new Promise((res) => setTimeout(res, 250));
      while (!settled && performance.now() - lastOutput < 250);
      if (!settled && running.pid !== undefined)
        try {
          process.kill(-running.pid, "SIGKILL");
        } catch {
          // it left on its own meanwhile
        }
    };
    // The token is the first thing on stderr once the command is about to run (runProcess drops it, uncounted).
    const io = {
      ...runIo(spec, limits),
      onStdout: (c: Uint8Array) => {
        lastOutput = performance.now();
        spec.onStdout?.(c);
      },
      onStderr: (c: Uint8Array) => {
        lastOutput = performance.now();
        spec.onStderr?.(c);
      },
      stderrMarker: token,
      onMarker: () => void watch(),
    };
    const running = runProcess(
      { file: this.enginePath, args, env: { ...ENGINE_ENV } },
      io,
      containerKiller(
        () => this.#engine(p, ["kill", "--signal", "KILL", name], { timeout: 10_000 }),
        () => this.#engine(p, ["rm", "--force", name], { timeout: 30_000 }),
        () => settled,
      ),
    );
    void running.done.then(() => {
      settled = true;
    });
    this.#running.add(running);
    const o = await running.done.finally(() => this.#running.delete(running));
    env.value.remove();
    // Not `run --rm`: the container is removed here, after every outcome (a start that failed leaves one behind).
    await this.#engine(p, ["rm", "--force", name], { timeout: 30_000 });
    if (o.spawnError)
      return err(unavailable(`cannot start docker: ${o.spawnError.message}`, "install the docker CLI", o.spawnError));
    const killed = o.timedOut || o.aborted;
    if (!o.markerSeen && !killed) {
      const line = o.stderr.trim().split("\n").at(-1) || `docker exited ${o.code}`;
      return err(
        new WardenError("SANDBOX_UNAVAILABLE", `container could not be started: ${line}`, {
          fix: "check `docker info`; the workspace must be reachable by the sandbox uid",
          data: { stderr: o.stderr.slice(0, 2000) },
        }),
      );
    }
    const exitCode = killed ? null : (o.code ?? waitedCode ?? null);
    return ok(runResult(o, exitCode, createdSensitive(paths.value.workspace, paths.value.absentSensitive)));
  }

  killAll(): Promise<void> {
    return killAllRuns(this.#running);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.killAll();
    const prep = await this.#prepared;
    if (prep?.ok) await rm(prep.value.runtimeDir, { recursive: true, force: true });
    this.#prepared = undefined;
  }
}
