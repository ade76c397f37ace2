// The seccomp program, run through a small BPF interpreter for both architectures, and the syscall tables.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BLOCKED_SYSCALLS, buildSeccompFilter, ENOSYS_SYSCALLS } from "./seccomp.js";
import { AUDIT_ARCH, SYSCALLS } from "./syscalls.js";

type Ins = { code: number; jt: number; jf: number; k: number };
const decode = (b: Buffer): Ins[] =>
  Array.from({ length: b.length / 8 }, (_, i) => ({
    code: b.readUInt16LE(i * 8),
    jt: b.readUInt8(i * 8 + 2),
    jf: b.readUInt8(i * 8 + 3),
    k: b.readUInt32LE(i * 8 + 4),
  }));

/** A tiny classic-BPF interpreter for the opcodes the builder emits, to check decisions without the kernel. */
function evaluate(prog: Ins[], data: { nr: number; arch: number; args?: number[] }): number {
  const word = (off: number): number => {
    if (off === 0) return data.nr;
    if (off === 4) return data.arch;
    const i = (off - 16) / 8;
    return data.args?.[i] ?? 0;
  };
  let a = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const ins = prog[pc]!;
    switch (ins.code) {
      case 0x20:
        a = word(ins.k);
        break;
      case 0x54:
        a = (a & ins.k) >>> 0;
        break;
      case 0x15:
        pc += a === ins.k ? ins.jt : ins.jf;
        break;
      case 0x35:
        pc += a >= ins.k ? ins.jt : ins.jf;
        break;
      case 0x45:
        pc += (a & ins.k) !== 0 ? ins.jt : ins.jf;
        break;
      case 0x06:
        return ins.k;
      default:
        throw new Error(`unexpected opcode ${ins.code}`);
    }
  }
  throw new Error("fell off the end of the program");
}

const ALLOW = 0x7fff0000;
const EPERM = 0x50001;
const ENOSYS = 0x50026;
const KILL = 0x80000000;

describe.each(["x86_64", "aarch64"] as const)("seccomp filter for %s", (arch) => {
  const prog = decode(buildSeccompFilter(arch));
  const nr = SYSCALLS[arch];
  const run = (name: string, args?: number[]) => evaluate(prog, { nr: nr[name]!, arch: AUDIT_ARCH[arch], args });

  it("kills a syscall made with a foreign architecture", () => {
    expect(evaluate(prog, { nr: 0, arch: 0x40000003 })).toBe(KILL);
  });

  it("refuses every blocked syscall with EPERM", () => {
    for (const name of BLOCKED_SYSCALLS) if (nr[name] !== undefined) expect(run(name), name).toBe(EPERM);
  });

  it("answers clone3 and io_uring with ENOSYS", () => {
    for (const name of ENOSYS_SYSCALLS) expect(run(name), name).toBe(ENOSYS);
  });

  it("allows ordinary syscalls (read = 0 on x86_64, 63 on aarch64)", () => {
    expect(evaluate(prog, { nr: arch === "x86_64" ? 0 : 63, arch: AUDIT_ARCH[arch] })).toBe(ALLOW);
  });

  it("allows TCP sockets but not raw or packet sockets", () => {
    expect(run("socket", [2, 1, 0])).toBe(ALLOW);
    expect(run("socket", [2, 3, 1])).toBe(EPERM);
    expect(run("socket", [17, 2, 0])).toBe(EPERM);
    expect(run("socket", [10, 3 | 0x80000, 58])).toBe(EPERM); // SOCK_RAW with SOCK_CLOEXEC set
  });

  it("allows fork and threads but not clone into new namespaces", () => {
    expect(run("clone", [0x01200011])).toBe(ALLOW); // fork-like: CLONE_CHILD_SETTID|CLEARTID|SIGCHLD
    expect(run("clone", [0x003d0f00])).toBe(ALLOW); // pthread_create flags
    expect(run("clone", [0x10000000 | 17])).toBe(EPERM);
    expect(run("clone", [0x20000000 | 17])).toBe(EPERM);
  });

  it("refuses TIOCSTI and TIOCLINUX but allows other ioctls", () => {
    expect(run("ioctl", [0, 0x5412])).toBe(EPERM);
    expect(run("ioctl", [0, 0x541c])).toBe(EPERM);
    expect(run("ioctl", [0, 0x5401])).toBe(ALLOW); // TCGETS
  });
});

it("x86_64 refuses the x32 ABI", () => {
  const prog = decode(buildSeccompFilter("x86_64"));
  expect(evaluate(prog, { nr: 0x40000000 + 1, arch: AUDIT_ARCH.x86_64 })).toBe(EPERM);
});

describe("syscall tables match the kernel headers installed here", () => {
  const headers: [keyof typeof SYSCALLS, string, RegExp][] = [
    ["x86_64", "/usr/include/x86_64-linux-gnu/asm/unistd_64.h", /^#define\s+__NR_(\w+)\s+(\d+)$/],
    ["aarch64", "/usr/include/asm-generic/unistd.h", /^#define\s+__NR(?:3264)?_(\w+)\s+(\d+)$/],
  ];
  for (const [arch, path, re] of headers) {
    const text = existsSync(path) ? readFileSync(path, "utf8") : undefined;
    it.skipIf(text === undefined)(`${arch} numbers equal ${path}`, () => {
      const fromHeader = new Map<string, number>();
      for (const line of (text ?? "").split("\n")) {
        const m = re.exec(line.trim());
        if (m?.[1] && m[2]) fromHeader.set(m[1], Number(m[2]));
      }
      for (const [name, nr] of Object.entries(SYSCALLS[arch])) expect(fromHeader.get(name), name).toBe(nr);
    });
  }
});
