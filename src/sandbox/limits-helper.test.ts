// The compiled limits helper (helper/warden-limits.c), built here by helper/build.mjs as `npm run build` does: it
// applies exactly the limits asked (read back from /proc/self/limits), refuses any malformed or missing flag before
// running anything, and reports exec failures like a shell. Then a real sandbox with it and one with prlimit(1) agree.
import { spawnSync } from "node:child_process";
import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { BwrapSandbox } from "./bwrap.js";
import { DEFAULT_PROFILE, profileLimits } from "./config.js";
import { buildSeccompFilter } from "./seccomp.js";
import { seccompArchFor } from "./syscalls.js";
import type { Limits } from "./types.js";

const source = join(import.meta.dirname, "helper", "warden-limits.c");
const builder = join(import.meta.dirname, "helper", "build.mjs");
const hasCc = spawnSync("cc", ["--version"]).status === 0;
const MiB = 1024 * 1024;
const ROOT = process.getuid?.() === 0;

let dir: Awaited<ReturnType<typeof tempDir>>;
let helper: string;
const FLAGS = ["--cpu=7:8", `--data=${300 * MiB}`, "--nproc=77", `--fsize=${5 * MiB}`, "--nofile=99", "--core=0"];

function run(args: string[]) {
  return spawnSync(helper, args, { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
}

/** "Max cpu time  7  8  seconds" -> ["7", "8"] */
function limitOf(limits: string, name: string): string[] {
  const line = limits.split("\n").find((l) => l.startsWith(name)) ?? "";
  return line.slice(26).trim().split(/\s+/).slice(0, 2);
}

beforeAll(async () => {
  dir = await tempDir();
  helper = join(dir.path, "warden-limits");
  if (hasCc) {
    // The same build as `npm run build` (static, no C library), into this test's folder.
    const r = spawnSync(process.execPath, [builder, helper], { encoding: "utf8" });
    if (r.status !== 0 || !r.stdout.includes("no C library")) throw new Error(`cannot build the helper: ${r.stdout}`);
  }
});

afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
});

describe.skipIf(!hasCc)("warden-limits helper", () => {
  it("applies every limit, then runs the command", () => {
    const r = run([...FLAGS, "--", "cat", "/proc/self/limits"]);
    expect(r.status).toBe(0);
    expect(limitOf(r.stdout, "Max cpu time")).toEqual(["7", "8"]);
    expect(limitOf(r.stdout, "Max data size")).toEqual([String(300 * MiB), String(300 * MiB)]);
    expect(limitOf(r.stdout, "Max processes")).toEqual(["77", "77"]);
    expect(limitOf(r.stdout, "Max file size")).toEqual([String(5 * MiB), String(5 * MiB)]);
    expect(limitOf(r.stdout, "Max open files")).toEqual(["99", "99"]);
    expect(limitOf(r.stdout, "Max core file size")).toEqual(["0", "0"]);
  });

  it.each([
    ["a missing flag", FLAGS.slice(1)],
    ["a flag given twice", [...FLAGS, "--nproc=5"]],
    ["an unknown flag", [...FLAGS, "--as=1"]],
    ["a non-number", FLAGS.map((f) => (f.startsWith("--data=") ? "--data=1G" : f))],
    ["a negative number", FLAGS.map((f) => (f.startsWith("--nproc=") ? "--nproc=-1" : f))],
    ["soft above hard", FLAGS.map((f) => (f.startsWith("--cpu=") ? "--cpu=9:8" : f))],
    ["a value past the range", FLAGS.map((f) => (f.startsWith("--fsize=") ? "--fsize=99999999999999999999999" : f))],
  ])("refuses %s with 125 and runs nothing", (_name, flags) => {
    const r = run([...flags, "--", "echo", "RAN"]);
    expect(r.status).toBe(125);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^warden-limits: /);
  });

  // Root may raise hard limits, so there is nothing to refuse when the tests run as root.
  it.skipIf(ROOT)("refuses to raise a hard limit (fails closed, runs nothing)", () => {
    const r = run([...FLAGS.filter((f) => !f.startsWith("--nofile=")), "--nofile=99999999", "--", "echo", "RAN"]);
    expect(r.status).toBe(125);
    expect(r.stdout).toBe("");
  });

  it("exits 127 for a command not found and 126 for one that cannot run", () => {
    expect(run([...FLAGS, "--", "no-such-command-x"]).status).toBe(127);
    expect(run([...FLAGS, "--", source]).status).toBe(126);
    expect(run([...FLAGS, "--"]).status).toBe(125);
  });

  it("installs the seccomp program given with --seccomp (docker backend) last, and refuses a bad one", async () => {
    const arch = seccompArchFor(process.arch);
    if (!arch) return;
    const bpf = join(dir.path, "seccomp.bpf");
    await writeFile(bpf, buildSeccompFilter(arch));
    const r = run([`--seccomp=${bpf}`, ...FLAGS, "--", "sh", "-c", "grep Seccomp: /proc/self/status; unshare -U true"]);
    expect(r.stdout).toMatch(/^Seccomp:\s+2$/m);
    expect(r.stderr).toMatch(/unshare.*Operation not permitted/);
    expect(r.status).not.toBe(0);
    const odd = join(dir.path, "odd.bpf");
    await writeFile(odd, Buffer.alloc(12));
    for (const bad of [`--seccomp=${odd}`, `--seccomp=${join(dir.path, "missing")}`, "--seccomp="]) {
      const refused = run([bad, ...FLAGS, "--", "echo", "RAN"]);
      expect(refused.status).toBe(125);
      expect(refused.stdout).toBe("");
    }
  });

  it("looks the command up in PATH like execvp, a script without #! going to /bin/sh", async () => {
    const bin = join(dir.path, "bin");
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, "no-shebang"), 'echo "script ran: $1 $2"\n', { mode: 0o755 });
    const env = { PATH: `/nonexistent::${bin}:/usr/bin` };
    const r = spawnSync(helper, [...FLAGS, "--", "no-shebang", "a", "b c"], { encoding: "utf8", env });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("script ran: a b c\n");
    expect(r.status).toBe(0);
    const direct = spawnSync(helper, [...FLAGS, "--", join(bin, "no-shebang"), "x"], { encoding: "utf8", env });
    expect(direct.stdout).toBe("script ran: x \n");
    const missing = spawnSync(helper, [...FLAGS, "--", "no-such-x"], { encoding: "utf8", env });
    expect(missing.status).toBe(127);
    expect(missing.stderr).toBe("warden-limits: no-such-x: not found\n");
  });

  it("gives a sandboxed command the same limits as prlimit(1) does", async () => {
    const ws = join(dir.path, "ws");
    await mkdir(ws);
    await chmod(dir.path, 0o755);
    await chmod(ws, 0o755);
    if (ROOT) await chown(ws, 65534, 65534);
    const limits: Limits = { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 20_000, memoryBytes: 300 * MiB };
    const read = async (limitsHelperPath: string | null) => {
      const sb = new BwrapSandbox({ defaultLimits: limits, limitsHelperPath });
      try {
        const r = await sb.run({ argv: ["cat", "/proc/self/limits"], workspace: ws });
        if (!r.ok) throw r.error;
        expect(r.value.exitCode).toBe(0);
        return r.value.stdout;
      } finally {
        await sb.close();
      }
    };
    const viaHelper = await read(helper);
    expect(viaHelper).toBe(await read(null));
    expect(limitOf(viaHelper, "Max data size")).toEqual([String(300 * MiB), String(300 * MiB)]);
    expect(limitOf(viaHelper, "Max address space")).toEqual(["unlimited", "unlimited"]);
  });
});
