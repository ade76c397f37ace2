// Bundles the CLI and daemon into dist/bundle/ (an entry file plus chunks that commands load on demand). Loading a
// few files instead of a few hundred ES modules (zod alone is ~300) is what keeps `warden start` under its start-up
// budget, and chunks keep code a command does not use out of memory. Native and optional modules stay external:
// better-sqlite3 is a compiled addon; bufferutil/utf-8-validate are optional speed-ups of ws.
//
// Two values are set at build time:
// - __WARDEN_BUILD__: an id of this build's code (a hash of the sources and the lockfile). The YAML cache trusts a
//   validated config or policy only when the same build stored it (src/home/yaml-cache.ts).
// - __WARDEN_YAML__: the YAML library, bundled alone into yaml.cjs and required on first use (src/home/yaml-lib.ts),
//   so a start whose files are all cached never compiles it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build as esbuild } from "esbuild";

function buildId() {
  const hash = createHash("sha256");
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
        hash.update(path).update(readFileSync(path));
    }
  };
  walk("src");
  hash.update(readFileSync("package-lock.json"));
  return hash.digest("base64url").slice(0, 22);
}

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  legalComments: "none",
  logLevel: "warning",
  // Smaller sources to parse and keep in memory; identifiers stay, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
};
const build = buildId();
// Two builds of the same entry (src/main.ts): the CLI (dist/bundle/) and the daemon (dist/daemon/), which
// bin/warden.js runs for `warden start --foreground`. The daemon's build leaves the CLI out, and having one entry it
// splits only where the daemon loads code on demand (model clients, MCP, YAML): a start loads a handful of files
// instead of the ~30 chunks the CLI's commands share between them.
for (const [outdir, daemon] of [
  ["dist/bundle", false],
  ["dist/daemon", true],
]) {
  rmSync(outdir, { recursive: true, force: true });
  await esbuild({
    ...common,
    entryPoints: { warden: "src/main.ts" },
    outdir,
    splitting: true,
    format: "esm",
    external: ["better-sqlite3", "bufferutil", "utf-8-validate"],
    define: {
      __WARDEN_BUILD__: JSON.stringify(build),
      __WARDEN_DAEMON__: String(daemon),
      __WARDEN_YAML__: JSON.stringify("./yaml.cjs"),
    },
    // Some bundled CommonJS dependencies call require(); give each ES module chunk one.
    banner: {
      js: "import { createRequire as __wardenRequire } from 'node:module'; const require = __wardenRequire(import.meta.url);",
    },
  });
  await esbuild({
    ...common,
    entryPoints: [createRequire(import.meta.url).resolve("yaml")],
    outfile: `${outdir}/yaml.cjs`,
    format: "cjs",
  });
}
