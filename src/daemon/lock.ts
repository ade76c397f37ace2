// One daemon per home. The lock is an exclusive SQLite lock on run/daemon.lock: the kernel drops it when the holder
// dies, even by SIGKILL, so a stale lock cannot exist; the pid file beside it only says who holds it. A pid file
// whose process no longer holds the lock is stale and is replaced.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { WardenError } from "../errors.js";
import type { HomePaths } from "../home/index.js";
import { Database, type Sqlite } from "../store/driver.js";

export interface PidInfo {
  pid: number;
  port?: number;
  url?: string;
  startedAt: string;
  version: string;
  /** The egress proxy's socket and token, for `warden sandbox exec --net proxy` (this file is 0600 in a 0700 home). */
  egress?: { socketPath: string; token: string; caBundle?: string };
}

export interface DaemonLock {
  /** Record how to reach this daemon; written atomically. */
  publish(info: PidInfo): void;
  release(): void;
}

export function acquireLock(paths: HomePaths): DaemonLock {
  let db: Sqlite.Database;
  try {
    // A short busy wait, so a `warden status` probing the lock at this instant does not look like a second daemon.
    db = new Database(paths.lockFile, { timeout: 250 });
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE; COMMIT;");
  } catch (e) {
    if ((e as { code?: string }).code === "SQLITE_BUSY") throw alreadyRunning(paths, e);
    throw new WardenError(
      "HOME_INVALID",
      `cannot take the daemon lock ${paths.lockFile}: ${(e as Error).message}`,
      { file: paths.lockFile, fix: "run `warden init`, then `warden doctor`" },
      { cause: e },
    );
  }
  let released = false;
  return {
    publish(info) {
      const tmp = `${paths.pidFile}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
      renameSync(tmp, paths.pidFile);
    },
    release() {
      if (released) return;
      released = true;
      const current = readPidFile(paths);
      if (current?.pid === process.pid) rmSync(paths.pidFile, { force: true });
      db.close();
    },
  };
}

/** The error for a home whose lock another process holds, naming that process when its pid file says who. */
export function alreadyRunning(paths: HomePaths, cause?: unknown): WardenError {
  const holder = readPidFile(paths);
  return new WardenError(
    "ALREADY_RUNNING",
    holder
      ? `Warden is already running for ${paths.root} (pid ${holder.pid})`
      : `another Warden process holds ${paths.lockFile}`,
    { fix: "use `warden status`, or `warden stop` first", data: holder ? { pid: holder.pid } : {} },
    cause === undefined ? undefined : { cause },
  );
}

/** The pid file's content, or undefined when there is none or it is unreadable (then it is stale anyway). */
export function readPidFile(paths: HomePaths): PidInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(paths.pidFile, "utf8")) as PidInfo;
    return Number.isInteger(info.pid) && info.pid > 0 ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Is some process holding the lock right now? (Probes without keeping it.) */
export function lockHeld(paths: HomePaths): boolean {
  let db: Sqlite.Database | undefined;
  try {
    db = new Database(paths.lockFile, { timeout: 0, fileMustExist: true });
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE; COMMIT;");
    return false;
  } catch (e) {
    return (e as { code?: string }).code === "SQLITE_BUSY";
  } finally {
    db?.close();
  }
}
