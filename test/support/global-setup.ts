// One temporary folder per test run: every tempDir() of the run is made inside it. The teardown stops any Warden
// daemon still running on a home in it (a test that timed out never ran its own cleanup) and removes it, so a run
// leaves no daemon and no folder behind, and never touches another run's (two runs on one machine stay apart).
// It also bundles the MCP test server into one file there (see mcp-fixture.ts).
import { chmodSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { MCP_SERVER_ENV } from "./mcp-fixture.js";
import { RUN_DIR_ENV, stopDaemonsUnder } from "./tmp.js";

export default async function setup(): Promise<() => Promise<void>> {
  const runDir = mkdtempSync(join(tmpdir(), "warden-run-"));
  // Traversable but not listable, like /tmp is for them: tests running as root hand workspaces inside it to the
  // sandbox's unprivileged uid.
  chmodSync(runDir, 0o711);
  process.env[RUN_DIR_ENV] = runDir; // inherited by the test workers, which start after this
  // The MCP test server runs inside the sandbox as an unprivileged uid, which may not reach this checkout (a clone in
  // a 0700 folder): one self-contained file in a world-readable folder of the run is all a sandbox needs to see.
  const fixtureDir = join(runDir, "mcp-server");
  mkdirSync(fixtureDir, { mode: 0o755 });
  chmodSync(fixtureDir, 0o755);
  const script = join(fixtureDir, "mcp-server.mjs");
  await build({
    entryPoints: [new URL("./mcp-server.mjs", import.meta.url).pathname],
    outfile: script,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  chmodSync(script, 0o644);
  process.env[MCP_SERVER_ENV] = script;
  return async () => {
    for (const entry of readdirSync(runDir, { withFileTypes: true })) {
      if (entry.isDirectory()) await stopDaemonsUnder(join(runDir, entry.name));
    }
    await rm(runDir, { recursive: true, force: true });
  };
}
