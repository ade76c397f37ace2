// A lock file beside the secret store so two writers (two `warden secrets set`, or the CLI and the daemon) do not
// lose each other's update in read-modify-write. Only writers lock; readers see the old or the new file (atomic
// rename). A lock left by a crashed process is taken over after `staleMs`.
import { open, stat, unlink } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { WardenError } from "../errors.js";

export interface LockOptions {
  readonly waitMs?: number;
  readonly staleMs?: number;
}

export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const waitMs = options.waitMs ?? 5000;
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const age = await stat(path).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0, // it vanished between open and stat: just retry
      );
      if (age > staleMs)
        await unlink(path).catch(() => undefined); // another waiter may have removed it first
      else if (Date.now() > deadline) {
        throw new WardenError("SECRET_STORE_FAILED", `the secret store is locked (${path})`, {
          file: path,
          fix: "retry; if no other warden command is running, remove the lock file",
        });
      } else await sleep(20);
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined); // already gone only if someone judged it stale: nothing to undo
  }
}
