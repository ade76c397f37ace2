// Host facts the sandbox needs to explain itself: bubblewrap's version and the host setting most likely to block
// user namespaces. Reads /proc/sys and runs `bwrap --version` only; never changes the host.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { err, ok, type Result, WardenError } from "../errors.js";

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
    return "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile allowing userns for bwrap)";
  if ((await readSysctl("/proc/sys/user/max_user_namespaces")) === "0")
    return "sysctl -w user.max_user_namespaces=15000";
  return "enable unprivileged user namespaces (kernel.unprivileged_userns_clone, user.max_user_namespaces, AppArmor)";
}

/** `bwrap --version` as "0.8.0", or SANDBOX_UNAVAILABLE with the install command. */
export function bwrapVersion(bwrapPath: string): Promise<Result<string, WardenError>> {
  return new Promise((resolve) => {
    execFile(bwrapPath, ["--version"], { env: {}, timeout: 10_000 }, (e, stdout) => {
      if (e) {
        const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
        resolve(
          err(
            new WardenError(
              "SANDBOX_UNAVAILABLE",
              missing ? `bubblewrap not found at ${bwrapPath}` : `bubblewrap at ${bwrapPath} does not run`,
              { fix: "apt-get install bubblewrap", data: { bwrapPath } },
              { cause: e },
            ),
          ),
        );
        return;
      }
      resolve(ok(stdout.trim().replace(/^bubblewrap\s+/, "")));
    });
  });
}
