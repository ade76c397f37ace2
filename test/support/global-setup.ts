// One temporary folder per test run: every tempDir() of the run is made inside it. The teardown stops any Warden
// daemon still running on a home in it (a test that timed out never ran its own cleanup) and removes it, so a run
// leaves no daemon and no folder behind, and never touches another run's (two runs on one machine stay apart).
import { chmodSync, mkdtempSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUN_DIR_ENV, stopDaemonsUnder } from "./tmp.js";

export default function setup(): () => Promise<void> {
  const runDir = mkdtempSync(join(tmpdir(), "warden-run-"));
  // Traversable but not listable, like /tmp is for them: tests running as root hand workspaces inside it to the
  // sandbox's unprivileged uid.
  chmodSync(runDir, 0o711);
  process.env[RUN_DIR_ENV] = runDir; // inherited by the test workers, which start after this
  return async () => {
    for (const entry of readdirSync(runDir, { withFileTypes: true })) {
      if (entry.isDirectory()) await stopDaemonsUnder(join(runDir, entry.name));
    }
    await rm(runDir, { recursive: true, force: true });
  };
}
