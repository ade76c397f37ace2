// Compiles the sandbox's limits helper (warden-limits.c) into dist/libexec/warden-limits (or the path given as the
// first argument, used by its test) with the system C compiler, as a static program without a C library (its own
// entry point and raw system calls: see the source's header). Run by `npm run build`. A host without a compiler
// still works: the sandbox then applies limits with prlimit(1), slower by about a millisecond per command, with the
// same limits. Never fails the build for that reason.
import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "warden-limits.c");
const out = process.argv[2]
  ? resolve(process.argv[2])
  : join(here, "..", "..", "..", "dist", "libexec", "warden-limits");
const tmp = `${out}.${process.pid}.tmp`;
mkdirSync(dirname(out), { recursive: true });

const cc = process.env.CC || "cc";
// -ffreestanding/-fno-builtin: no libc to call; -fno-tree-loop-distribute-patterns keeps the file's own memset and
// memcpy from being turned into calls to themselves; no stack protector or PIE (both need start-up code from libc).
const flags = [
  "-O2",
  "-std=c11",
  "-Wall",
  "-Werror",
  "-static",
  "-nostdlib",
  "-ffreestanding",
  "-fno-builtin",
  "-fno-stack-protector",
  "-fno-tree-loop-distribute-patterns",
  "-fno-asynchronous-unwind-tables",
  "-fno-pie",
  "-no-pie",
  "-s",
  "-o",
  tmp,
  source,
];
const r = spawnSync(cc, flags, { encoding: "utf8" });
if (r.status === 0) {
  renameSync(tmp, out); // atomic: a running daemon never sees a half-written helper
  process.stdout.write(`sandbox helper: ${out} (static, no C library)\n`);
} else {
  rmSync(tmp, { force: true });
  rmSync(out, { force: true }); // never leave a stale helper from an older source
  const why = r.error ? `no working C compiler "${cc}"` : (r.stderr || "").trim().split("\n")[0];
  process.stdout.write(`sandbox helper: not built (${why}); the sandbox uses prlimit(1)\n`);
}
