// The private runtime folder each Sandbox builds once (synthetic /etc, seccomp filter, limits helper): where it goes,
// and sweeping the ones left behind by a Warden process that died without closing its Sandbox (a killed daemon, a
// test run). It only ever removes folders this uid owns, named for a process that no longer exists.
import { lstatSync, readdirSync, statfsSync, statSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TMPFS_MAGIC = 0x01021994;

/**
 * /dev/shm when it is a shared tmpfs (mode 1777, like /tmp), else the OS temp folder. Building and removing the ~30
 * small files of the synthetic /etc on a disk-backed /tmp cost 10-80 ms per Sandbox (so per CLI call) on the project
 * machine, about 1.5 ms on tmpfs. Same protection either way: an unpredictable name in a sticky folder, owned by
 * this process.
 */
export function runtimeParent(): string {
  try {
    const st = statSync("/dev/shm");
    if (st.isDirectory() && (st.mode & 0o7777) === 0o1777 && statfsSync("/dev/shm").type === TMPFS_MAGIC)
      return "/dev/shm";
  } catch {
    // no /dev/shm here: the OS temp folder
  }
  return tmpdir();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, just not ours to signal
  }
}

/** Removes `<parent>/<kind>-<pid>-*` folders of this uid whose process is gone. Best effort: errors are skipped. */
export async function sweepRuntimeDirs(parent: string, kind: string): Promise<void> {
  const uid = process.getuid?.();
  const pattern = new RegExp(`^${kind}-(\\d+)-[A-Za-z0-9]{6}$`);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return; // nothing to sweep
  }
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    const st = lstatSync(join(parent, name), { throwIfNoEntry: false });
    if (!st?.isDirectory() || st.uid !== uid) continue; // never someone else's folder, never through a symlink
    await rm(join(parent, name), { recursive: true, force: true }).catch(() => {
      // raced with another sweeper or not removable: left for the next one
    });
  }
}

/** A fresh private runtime folder (mode 0755: the sandbox uid must read it), after sweeping dead ones. */
export async function makeRuntimeDir(kind: string, parent = runtimeParent()): Promise<string> {
  await sweepRuntimeDirs(parent, kind);
  const dir = await mkdtemp(join(parent, `${kind}-${process.pid}-`));
  await chmod(dir, 0o755);
  return dir;
}
