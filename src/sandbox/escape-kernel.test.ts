// Escape suite, part 2 (seccomp, network, resources, leftovers): every probe tries to get out of a real bubblewrap
// sandbox and asserts it stayed contained. Probes assert on files, exit codes and errno values, never on timing.
import dgram from "node:dgram";
import { chmod, chown, readdir, readFile, stat } from "node:fs/promises";
import net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { BwrapSandbox } from "./bwrap.js";
import { DEFAULT_PROFILE, profileLimits } from "./config.js";
import { SYSCALLS, seccompArchFor } from "./syscalls.js";
import type { CommandSpec, Limits, RunResult } from "./types.js";

const MiB = 1024 * 1024;
const limits: Limits = { ...profileLimits(DEFAULT_PROFILE), timeoutMs: 20_000 };
const hasPython = await stat("/usr/bin/python3").then(
  () => true,
  () => false,
);

let sandbox: BwrapSandbox;
let dir: Awaited<ReturnType<typeof tempDir>>;
let ws: string;

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

beforeAll(async () => {
  dir = await tempDir();
  ws = dir.path;
  await chmod(ws, 0o755);
  if (process.getuid?.() === 0) await chown(ws, 65534, 65534); // a root daemon runs sandboxes as 65534
  sandbox = new BwrapSandbox({ defaultLimits: limits });
});

afterAll(async () => {
  await sandbox.close();
  await dir[Symbol.asyncDispose]();
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

  it.skipIf(!hasPython)("a memory bomb growing in small steps fails at the memory limit", async () => {
    const r = await py(
      "a = []\nwhile True:\n    a.append(bytearray(8 * 1024 ** 2))\n    if len(a) > 512: print('grew past 4 GiB'); break",
      {
        limits: { memoryBytes: 256 * MiB },
      },
    );
    expect(r.stdout).toBe("");
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("MemoryError");
  });

  it("a Node heap bomb dies at the memory limit while Node's fetch and wasm still work under it", async () => {
    const bomb = await sandbox.run({
      argv: ["node", "-e", "const a = []; for (;;) a.push(Buffer.alloc(16 << 20, 1))"],
      workspace: ws,
      limits: { memoryBytes: 512 * MiB },
    });
    if (!bomb.ok) throw bomb.error;
    expect(bomb.value.timedOut).toBe(false);
    expect(bomb.value.exitCode).not.toBe(0);
    // V8 and undici's wasm HTTP parser reserve far more address space than they use: RLIMIT_DATA lets them run.
    const fetchAndWasm = `
      const s = require("node:http").createServer((q, r) => r.end("pong")).listen(0, "127.0.0.1", async () => {
        const body = await (await fetch("http://127.0.0.1:" + s.address().port)).text();
        const mem = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
        console.log(body, mem.buffer.byteLength);
        s.close();
      });`;
    const ok = await sandbox.run({
      argv: ["node", "-e", fetchAndWasm],
      workspace: ws,
      limits: { memoryBytes: 512 * MiB },
    });
    if (!ok.ok) throw ok.error;
    expect(ok.value.stderr).toBe("");
    expect(ok.value.stdout).toBe(`pong ${16 * 65536}\n`);
  });

  it("a disk fill in the workspace stops at the file size limit", async () => {
    const r = await sh("head -c 20000000 /dev/zero > big.bin", { limits: { fileSizeBytes: MiB } });
    expect(r.exitCode).not.toBe(0);
    expect((await stat(join(ws, "big.bin"))).size).toBeLessThanOrEqual(MiB);
    expect(r.limitsHit).toContain("fileSize");
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
    expect(r.limitsHit).toEqual(expect.arrayContaining(["output", "timeout"]));
    expect(r.stdout.length).toBeLessThan(4096 + 100);
    expect(r.stdout).toContain("[warden: output truncated after 4096 bytes]");
  });

  it("CPU time is limited", async () => {
    const r = await sh("while :; do :; done", { limits: { cpuSec: 1, timeoutMs: 25_000 } });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).not.toBe(0);
    expect(r.limitsHit).toContain("cpu");
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
