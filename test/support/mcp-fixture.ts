// Where the MCP test server (test/support/mcp-server.mjs) is for a sandbox to run: the global setup bundles it into
// one file in a world-readable folder of the test run, because the sandbox's unprivileged uid may not reach this
// checkout. Run outside that setup, the source file and the checkout's node_modules are used (and must be reachable).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const MCP_SERVER_ENV = "WARDEN_TEST_MCP_SERVER";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** The script to run with node, and the host paths the sandbox must be granted (read-only) to run it. */
export function mcpServerFixture(): { script: string; paths: string[] } {
  const bundled = process.env[MCP_SERVER_ENV];
  if (bundled) return { script: bundled, paths: [dirname(bundled)] };
  return {
    script: join(REPO, "test/support/mcp-server.mjs"),
    paths: [join(REPO, "test/support"), join(REPO, "node_modules")],
  };
}
