// Bundles the CLI and daemon into dist/bundle/ (an entry file plus chunks that commands load on demand). Loading a
// few files instead of a few hundred ES modules (zod alone is ~300) is what keeps `warden start` under its start-up
// budget, and chunks keep code a command does not use out of memory. Native and optional modules stay external:
// better-sqlite3 is a compiled addon; bufferutil/utf-8-validate are optional speed-ups of ws.
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist/bundle", { recursive: true, force: true });
await build({
  entryPoints: { warden: "src/main.ts" },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["better-sqlite3", "bufferutil", "utf-8-validate"],
  // Some bundled CommonJS dependencies call require(); give each ES module chunk one.
  banner: {
    js: "import { createRequire as __wardenRequire } from 'node:module'; const require = __wardenRequire(import.meta.url);",
  },
  legalComments: "none",
  // Smaller sources to parse and keep in memory; identifiers stay, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
});
