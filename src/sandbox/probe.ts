// Probe: proves that a real bubblewrap sandbox can start on this host, or says in one line how to fix it.
// Used by `warden doctor` and before the first sandboxed call. It must never report success without having run
// a command inside every namespace, and it never runs anything outside a sandbox.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { err, ok, type Result, WardenError } from "../errors.js";

export interface ProbeOptions {
  /** The bubblewrap binary; default `/usr/bin/bwrap`. PATH is never searched (no ambient lookup). */
  bwrapPath?: string;
  /** Run bwrap as this host uid/gid (set when the daemon is root so the probe matches real runs). */
  runAs?: { uid: number; gid: number };
}

export interface ProbeValue {
  backend: "bwrap";
  version: string;
}

export const DEFAULT_BWRAP = "/usr/bin/bwrap";

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: NodeJS.ErrnoException;
}

function exec(file: string, args: string[], runAs?: { uid: number; gid: number }): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: {},
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", (e: NodeJS.ErrnoException) => resolve({ code: null, stdout, stderr, spawnError: e }));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function readSysctl(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return undefined; // absent on this kernel: the knob does not exist, so it cannot be what blocks us
  }
}

/** The most likely host setting that blocks unprivileged user namespaces, as a one-line fix. */
export async function userNamespaceFix(): Promise<string> {
  if ((await readSysctl("/proc/sys/kernel/unprivileged_userns_clone")) === "0")
    return "sysctl -w kernel.unprivileged_userns_clone=1";
  if ((await readSysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")) === "1")
    return "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or add an AppArmor profile allowing userns for bwrap)";
  if ((await readSysctl("/proc/sys/user/max_user_namespaces")) === "0")
    return "sysctl -w user.max_user_namespaces=15000";
  return "enable unprivileged user namespaces for bubblewrap (check kernel.unprivileged_userns_clone, user.max_user_namespaces, AppArmor)";
}

const PROBE_ARGS = [
  "--unshare-all",
  "--unshare-user",
  "--disable-userns",
  "--die-with-parent",
  "--new-session",
  "--cap-drop",
  "ALL",
  "--clearenv",
  "--ro-bind",
  "/usr",
  "/usr",
  "--symlink",
  "usr/bin",
  "/bin",
  "--symlink",
  "usr/lib",
  "/lib",
  "--symlink",
  "usr/lib64",
  "/lib64",
  "--proc",
  "/proc",
  "--dev",
  "/dev",
  "--tmpfs",
  "/tmp",
  "--",
  "/usr/bin/true",
];

export async function probeSandbox(opts: ProbeOptions = {}): Promise<Result<ProbeValue, WardenError>> {
  const bwrap = opts.bwrapPath ?? DEFAULT_BWRAP;
  const version = await exec(bwrap, ["--version"]);
  if (version.spawnError || version.code !== 0) {
    const missing = version.spawnError?.code === "ENOENT";
    return err(
      new WardenError(
        "SANDBOX_UNAVAILABLE",
        missing ? `bubblewrap not found at ${bwrap}` : `bubblewrap at ${bwrap} does not run`,
        { fix: "apt-get install bubblewrap", data: { bwrapPath: bwrap } },
        { cause: version.spawnError },
      ),
    );
  }
  // A root daemon never runs sandboxes as host root, so the probe runs as the same unprivileged uid real runs use.
  const runAs = opts.runAs ?? (process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined);
  const run = await exec(bwrap, PROBE_ARGS, runAs);
  if (run.code !== 0) {
    const detail = run.stderr.trim().split("\n")[0] ?? "";
    return err(
      new WardenError("SANDBOX_UNAVAILABLE", `bubblewrap cannot start a sandbox: ${detail || `exit ${run.code}`}`, {
        fix: await userNamespaceFix(),
        data: { bwrapPath: bwrap, exitCode: run.code, stderr: run.stderr.slice(0, 2000) },
      }),
    );
  }
  const v = version.stdout.trim().replace(/^bubblewrap\s+/, "");
  return ok({ backend: "bwrap", version: v });
}
