// Bundles the CLI and daemon into one file (dist/warden.mjs). Loading one file instead of a few hundred ES modules
// (zod alone is ~300) is what keeps `warden start` under its start-up budget. Native and optional modules stay
// external: better-sqlite3 is a compiled addon; bufferutil/utf-8-validate are optional speed-ups of ws.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/warden.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["better-sqlite3", "bufferutil", "utf-8-validate"],
  // Some bundled CommonJS dependencies call require(); give the ES module bundle one.
  banner: {
    js: "import { createRequire as __wardenRequire } from 'node:module'; const require = __wardenRequire(import.meta.url);",
  },
  legalComments: "none",
  logLevel: "warning",
});
