// What the container-engine backends (podman, docker) share: running the engine's CLI with a clean environment,
// refusing mount paths the `-v SRC:DST:OPTS` syntax cannot carry, the environment file (never on the command line),
// and the kill loop that stops a container by name (killing the client alone leaves it running). Pure helpers: the
// backends decide what to run.
import { execFile } from "node:child_process";
import { lstat, readlink, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Result, WardenError } from "../errors.js";
import { unavailable } from "./backend.js";
import type { PlannedPaths } from "./plan.js";
import type { RootEntry } from "./profile.js";
import type { Limits } from "./types.js";

export const ENGINE_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } as const;

/** A read-only bind mount as an engine flag. */
export const roVolume = (src: string, dst = src): string[] => ["--volume", `${src}:${dst}:ro`];

/**
 * The command's limits as engine flags: pids and memory through the engine's cgroup, the rlimits and a private /tmp.
 * The limits helper inside sets the rlimits again; the engine gets them too, since its defaults (nofile) may exceed
 * what an unprivileged process may keep, which fails the container's start.
 */
export function limitFlags(limits: Limits): string[] {
  const cpu = Math.max(1, Math.ceil(limits.cpuSec));
  const ulimits = [
    `cpu=${cpu}:${cpu + 1}`,
    `data=${limits.memoryBytes}:${limits.memoryBytes}`,
    `nproc=${limits.processes}:${limits.processes}`,
    `fsize=${limits.fileSizeBytes}:${limits.fileSizeBytes}`,
    `nofile=${limits.openFiles}:${limits.openFiles}`,
    "core=0:0",
  ];
  return [
    "--pids-limit",
    String(limits.processes),
    "--memory",
    String(limits.memoryBytes),
    "--memory-swap",
    String(limits.memoryBytes),
    ...ulimits.flatMap((u) => ["--ulimit", u]),
    "--tmpfs",
    `/tmp:rw,nosuid,nodev,size=${limits.tmpBytes},mode=1777`,
  ];
}

/** The workspace (the only writable place), the folders pinned in it, its read-only parts and the policy's grants. */
export function workspaceVolumes(pp: PlannedPaths): string[] {
  return [
    "--volume",
    `${pp.workspace}:${pp.workspace}:rw`,
    ...pp.pinnedInWorkspace.flatMap((d) => ["--volume", `${d}:${d}:rw`]),
    ...pp.readOnlyInWorkspace.flatMap((d) => roVolume(d)),
    ...pp.grants.flatMap((g) => ["--volume", `${g.path}:${g.path}:${g.write ? "rw" : "ro"}`]),
  ];
}

/** Runs the engine's CLI to completion (never through a shell, never with Warden's environment). */
export function engine(
  file: string,
  args: readonly string[],
  opts: { timeout?: number; input?: Buffer } = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { env: ENGINE_ENV, timeout: opts.timeout ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (e, out, errText) => {
        const code = e ? (typeof e.code === "number" ? e.code : 1) : 0;
        resolve({ code, out: String(out), err: String(errText) });
      },
    );
    child.stdin?.on("error", () => {}); // the engine may exit before reading its input; its exit code says why
    child.stdin?.end(opts.input);
  });
}

/** `-v SRC:DST:OPTIONS` has no quoting: a ':' or ',' (or a newline) in a path would change what is mounted, and how. */
export function unmountablePath(pp: PlannedPaths, backend: string): WardenError | undefined {
  for (const path of [
    pp.workspace,
    ...pp.pinnedInWorkspace,
    ...pp.readOnlyInWorkspace,
    ...pp.grants.map((g) => g.path),
  ])
    if (/[:,\n]/.test(path))
      return unavailable(
        `the ${backend} backend cannot mount ${JSON.stringify(path)} (':' or ',' in the path)`,
        "rename the folder or use sandbox.backend: bwrap",
      );
  return undefined;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Writes the environment as an env file (one NAME=VALUE per line, mode 0600) in the private runtime folder; returns
 * its path and a remover. A value with a newline cannot be written faithfully, so it is refused.
 */
export async function writeEnvFile(
  dir: string,
  name: string,
  env: Readonly<Record<string, string>>,
): Promise<Result<{ path: string; remove: () => void }, WardenError>> {
  for (const [k, v] of Object.entries(env))
    if (!ENV_NAME.test(k) || v.includes("\0") || v.includes("\n"))
      return { ok: false, error: new WardenError("BAD_REQUEST", `invalid environment variable ${JSON.stringify(k)}`) };
  const path = join(dir, `${name}.env`);
  await writeFile(
    path,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
    { mode: 0o600 },
  );
  return { ok: true, value: { path, remove: () => void unlink(path).catch(() => {}) } };
}

/**
 * The kill for runProcess: kill the container by name, again until the client has exited (the container may not
 * exist yet when the deadline hits); only if the engine does not answer, kill the client's process group and
 * remove the container by force. `settled()` tells when the client is gone.
 */
export function containerKiller(
  kill: () => Promise<unknown>,
  forceRemove: () => Promise<unknown>,
  settled: () => boolean,
): (killGroup: () => void) => void {
  let stopping = false;
  return (killGroup) => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      for (let i = 0; i < 40 && !settled(); i++) {
        await kill();
        for (let j = 0; j < 5 && !settled(); j++) await new Promise((res) => setTimeout(res, 50));
      }
      if (!settled()) {
        killGroup();
        await forceRemove();
      }
    })();
  };
}

/** The host's top-level `/bin`, `/lib*`... entries: symlinks (usr-merged hosts) or real folders. */
export async function hostRootEntries(): Promise<RootEntry[]> {
  const out: RootEntry[] = [];
  for (const name of ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]) {
    const st = await lstat(`/${name}`).catch(() => undefined);
    if (st?.isSymbolicLink()) out.push({ name, symlink: await readlink(`/${name}`) });
    else if (st?.isDirectory()) out.push({ name, dir: true });
  }
  return out;
}

/** Label on every container Warden starts, valued `<pid>:<id>`: `ps --filter label=warden.sandbox` finds them. */
export const CONTAINER_LABEL = "warden.sandbox";

/** Whether the Warden process named by a label value (`<pid>:<id>`) still exists on this host. */
export function ownerAlive(owner: string): boolean {
  const pid = Number(owner.split(":")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return true; // not ours to judge: leave it
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by another user
  }
}

/**
 * Containers survive a Warden killed with SIGKILL (the engine owns them, not Warden). Removes the labelled ones whose
 * Warden process no longer exists on this host; a live pid (even a reused one) is left alone, erring on the side of
 * another running Warden's commands. `labelFormat` is the engine's template for the label's value.
 */
export async function reapStaleContainers(
  call: (args: string[], opts?: { timeout?: number }) => Promise<{ code: number; out: string }>,
  labelFormat: string,
): Promise<void> {
  const list = await call([
    "ps",
    "--all",
    "--filter",
    `label=${CONTAINER_LABEL}`,
    "--format",
    `{{.Names}} ${labelFormat}`,
  ]);
  if (list.code !== 0) return;
  const stale = list.out
    .split("\n")
    .map((line) => line.trim().split(" "))
    .filter(([name, owner]) => name?.startsWith("warden-") && owner !== undefined && !ownerAlive(owner))
    .map(([name]) => name as string);
  if (stale.length > 0) await call(["rm", "--force", ...stale], { timeout: 60_000 });
}
