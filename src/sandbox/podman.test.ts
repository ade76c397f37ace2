// The podman backend's containment, probed in real containers when this host's podman can start one (skipped with
// the reason printed otherwise): the same boundaries the bwrap escape suite checks, for what podman enforces itself.
import { execFileSync } from "node:child_process";
import { chmod, chown, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { DEFAULT_PROFILE, profileLimits } from "./config.js";
import { CONTAINER_LABEL } from "./container.js";
import { PodmanSandbox } from "./podman.js";
import type { CommandSpec, Limits, RunResult } from "./types.js";

const MiB = 1024 * 1024;
const limits: Limits = { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 30_000 };
const hasPython = await stat("/usr/bin/python3").then(
  () => true,
  () => false,
);

async function usableRuntime(): Promise<{ ociRuntime?: string } | undefined> {
  const reasons: string[] = [];
  for (const ociRuntime of [undefined, "runc"]) {
    const sb = new PodmanSandbox({ defaultLimits: limits, ...(ociRuntime ? { ociRuntime } : {}) });
    const r = await sb.probe();
    await sb.close();
    if (r.ok) return ociRuntime ? { ociRuntime } : {};
    reasons.push(`${ociRuntime ?? "default runtime"}: ${r.error.message}`);
  }
  console.log(`podman probes skipped: ${reasons.join("; ")}`);
  return undefined;
}
const runtime = await usableRuntime();

let sandbox: PodmanSandbox;
let dir: Awaited<ReturnType<typeof tempDir>>;
let ws: string;
const SECRET_MARK = "podman-host-secret-77f1";

async function sh(script: string, extra: Partial<CommandSpec> = {}): Promise<RunResult> {
  const r = await sandbox.run({ argv: ["/bin/sh", "-c", script], workspace: ws, ...extra });
  if (!r.ok) throw r.error;
  return r.value;
}

describe.skipIf(!runtime)("podman backend containment", () => {
  let umask: number;
  beforeAll(async () => {
    umask = process.umask(0o077); // as src/main.ts sets it: every folder the sandbox uid must read is chmod'ed explicitly
    dir = await tempDir();
    await chmod(dir.path, 0o755);
    ws = join(dir.path, "ws");
    await mkdir(ws);
    await chmod(ws, 0o755);
    if (process.getuid?.() === 0) await chown(ws, 65534, 65534);
    await writeFile(join(dir.path, "outside.txt"), `${SECRET_MARK}\n`);
    await writeFile(join(ws, ".bashrc"), "# rc\n");
    sandbox = new PodmanSandbox({ defaultLimits: limits, forbiddenPaths: [join(dir.path, "home")], ...runtime });
  });
  afterAll(async () => {
    process.umask(umask);
    await sandbox?.close();
    await dir?.[Symbol.asyncDispose]();
  });

  it("shows only /usr, a synthetic /etc and the workspace; the root is read-only", async () => {
    const r = await sh(
      `cat ${join(dir.path, "outside.txt")} /etc/shadow 2>/dev/null; touch /usr/x /etc/x /x 2>/dev/null && echo WROTE; echo ok > in-ws; cat /etc/passwd; ls /sys; ls /home /root 2>/dev/null; echo done`,
    );
    expect(r.stdout).not.toContain(SECRET_MARK);
    expect(r.stdout).not.toContain("WROTE");
    expect(r.stdout).toContain("sandbox:x:");
    expect(r.stdout).not.toMatch(/^root:x:0:0:root:\/root/m);
    expect(r.stdout.trim().endsWith("done")).toBe(true);
    expect(await readFile(join(ws, "in-ws"), "utf8")).toBe("ok\n");
    expect(r.stdout.split("\n").filter((l) => l && l !== "done" && !l.includes(":"))).toEqual([]);
  });

  it("keeps sensitive workspace files read-only", async () => {
    const r = await sh("echo evil >> .bashrc && echo WROTE");
    expect(r.stdout).not.toContain("WROTE");
    expect(await readFile(join(ws, ".bashrc"), "utf8")).toBe("# rc\n");
  });

  it("has no capabilities, no_new_privs, Warden's seccomp filter, and no network but loopback", async () => {
    const r = await sh(
      "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status; unshare -U true 2>/dev/null || echo UNSHARE_DENIED; ls /sys/class/net 2>/dev/null; cat /proc/net/dev | tail -n +3 | cut -d: -f1",
    );
    expect(r.stdout).toContain("CapEff:\t0000000000000000");
    expect(r.stdout).toContain("CapBnd:\t0000000000000000");
    expect(r.stdout).toContain("NoNewPrivs:\t1");
    expect(r.stdout).toContain("Seccomp:\t2");
    expect(r.stdout).toContain("UNSHARE_DENIED");
    expect(
      r.stdout
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && l.length < 16 && !l.includes(":") && l !== "UNSHARE_DENIED"),
    ).toEqual(["lo"]);
  });

  it.skipIf(!hasPython)("stops a memory bomb and a fork bomb, and caps a disk fill", async () => {
    const mem = await sandbox.run({
      argv: ["/usr/bin/python3", "-c", "a = []\nwhile True: a.append(bytearray(8 * 1024 ** 2))"],
      workspace: ws,
      limits: { memoryBytes: 256 * MiB },
    });
    expect(mem.ok && mem.value.exitCode).not.toBe(0);
    const fork = await sh("bomb() { sleep 987101 & bomb & bomb; }; bomb; wait", {
      limits: { processes: 64, timeoutMs: 5000 },
    });
    expect(fork.exitCode === 0).toBe(false);
    const fill = await sh("head -c 20000000 /dev/zero > big.bin", { limits: { fileSizeBytes: MiB } });
    expect(fill.exitCode).not.toBe(0);
    expect((await stat(join(ws, "big.bin"))).size).toBeLessThanOrEqual(MiB);
  });

  it("leaves no process and no container after a timeout", async () => {
    const r = await sh("setsid sleep 987102 </dev/null >/dev/null 2>&1 & sleep 987103", {
      limits: { timeoutMs: 1500 },
    });
    expect(r.timedOut).toBe(true);
    let left = 0;
    for (const pid of await readdir("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      if (cmd.includes("98710")) left++;
    }
    expect(left).toBe(0);
    const containers = execFileSync("/usr/bin/podman", ["ps", "--all", "--filter", "name=^warden-", "--quiet"], {
      encoding: "utf8",
    });
    expect(containers.trim()).toBe("");
  });

  it("refuses a workspace whose path would change podman's mount options", async () => {
    const odd = join(dir.path, "a:b,ro");
    await mkdir(odd);
    const r = await sandbox.run({ argv: ["true"], workspace: odd });
    expect(!r.ok && r.error.code).toBe("SANDBOX_UNAVAILABLE");
  });

  it("refuses an environment value it cannot pass faithfully", async () => {
    const r = await sandbox.run({ argv: ["true"], workspace: ws, env: { MULTI: "a\nb" } });
    expect(!r.ok && r.error.code).toBe("BAD_REQUEST");
  });

  it("removes, at start, containers left by a Warden that no longer runs (killed with SIGKILL)", async () => {
    const root = join(dir.path, "stale-root");
    await mkdir(root, { recursive: true });
    const podman = (args: string[]) =>
      execFileSync("/usr/bin/podman", [...(runtime?.ociRuntime ? ["--runtime", runtime.ociRuntime] : []), ...args], {
        encoding: "utf8",
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      });
    // pid 2^22+1 is above the kernel's pid_max: no process has it. A live pid's container is kept.
    podman(["create", "--name", "warden-stale-pa", "--label", `${CONTAINER_LABEL}=4194305:x`, "--rootfs", root, "/x"]);
    podman([
      "create",
      "--name",
      "warden-stale-pb",
      "--label",
      `${CONTAINER_LABEL}=${process.pid}:y`,
      "--rootfs",
      root,
      "/x",
    ]);
    const fresh = new PodmanSandbox({ defaultLimits: limits, ...runtime });
    try {
      expect((await fresh.probe()).ok).toBe(true);
      const names = podman(["ps", "-a", "--format", "{{.Names}}"]);
      expect(names).not.toContain("warden-stale-pa");
      expect(names).toContain("warden-stale-pb");
    } finally {
      podman(["rm", "--force", "warden-stale-pb"]);
      await fresh.close();
    }
  }, 60_000);
});
