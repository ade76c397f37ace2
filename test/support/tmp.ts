// Self-cleaning temporary folders for tests: `await using dir = await tempDir()` removes it at scope end. A Warden
// daemon started with a home inside the folder is stopped first (SIGTERM, then SIGKILL): a daemon must never outlive
// the home it was started on, whatever the test did or how it failed. A test that times out never reaches its
// disposal, so every folder lives inside one folder per test run (test/support/global-setup.ts), which the run's
// teardown sweeps the same way.
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir extends AsyncDisposable {
  readonly path: string;
}

/** Set by the global setup for the workers it starts; a test file run on its own uses the system temp folder. */
export const RUN_DIR_ENV = "WARDEN_TEST_RUN_DIR";

export async function tempDir(prefix = "warden-test-"): Promise<TempDir> {
  const path = await mkdtemp(join(process.env[RUN_DIR_ENV] || tmpdir(), prefix));
  return {
    path,
    async [Symbol.asyncDispose]() {
      await stopDaemonsUnder(path);
      await rm(path, { recursive: true, force: true });
    },
  };
}

/** Homes are at `<dir>` or one level below; their pid file is `run/warden.pid`. */
export async function stopDaemonsUnder(dir: string): Promise<void> {
  const candidates = [dir];
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) candidates.push(join(dir, e.name));
  } catch {
    return; // already gone
  }
  for (const home of candidates) {
    let pid: number;
    try {
      pid = (JSON.parse(readFileSync(join(home, "run", "warden.pid"), "utf8")) as { pid: number }).pid;
    } catch {
      continue; // no daemon published here
    }
    if (pid === process.pid) continue; // an in-process daemon: its test stops it
    if (!isWardenDaemon(pid)) continue; // a stale pid file: that pid may belong to someone else by now
    await terminate(pid);
  }
}

function isWardenDaemon(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.some((a) => a.endsWith("warden.js")) && argv.includes("--foreground");
  } catch {
    return false;
  }
}

async function terminate(pid: number): Promise<void> {
  if (!signal(pid, "SIGTERM")) return;
  for (let i = 0; i < 250; i++) {
    await new Promise((r) => setTimeout(r, 20));
    if (!signal(pid, 0)) return;
  }
  signal(pid, "SIGKILL");
}

function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
