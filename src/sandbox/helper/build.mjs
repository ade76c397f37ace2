// Compiles the sandbox's limits helper (warden-limits.c) into dist/libexec/warden-limits with the system C
// compiler: static when the C library allows it (no shared libraries to load per command), else dynamic. Run by
// `npm run build`. A host without a compiler still works: the sandbox then applies limits with prlimit(1), slower
// by about a millisecond per command, with the same limits. Never fails the build for that reason.
import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "warden-limits.c");
const outDir = join(here, "..", "..", "..", "dist", "libexec");
const out = join(outDir, "warden-limits");
const tmp = `${out}.${process.pid}.tmp`;
mkdirSync(outDir, { recursive: true });

const cc = process.env.CC || "cc";
const common = ["-O2", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Werror", "-s", "-o", tmp, source];
let built = false;
for (const mode of [["-static"], []]) {
  const r = spawnSync(cc, [...mode, ...common], { encoding: "utf8" });
  if (r.status === 0) {
    renameSync(tmp, out); // atomic: a running daemon never sees a half-written helper
    process.stdout.write(`sandbox helper: ${out} (${mode.length ? "static" : "dynamic"})\n`);
    built = true;
    break;
  }
  rmSync(tmp, { force: true });
  if (r.error) break; // no compiler at all
}
if (!built) {
  rmSync(out, { force: true }); // never leave a stale helper from an older source
  process.stdout.write(`sandbox helper: not built (no working C compiler "${cc}"); the sandbox uses prlimit(1)\n`);
}
