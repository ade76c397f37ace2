// Builds the sandbox's seccomp filter as classic BPF bytes (struct sock_filter[], little-endian), handed to
// bubblewrap with `--seccomp FD`. This file owns WHICH syscalls are blocked and how; it must never allow a foreign
// architecture's syscall ABI through (that would bypass every rule), and it never loads the filter itself.
import { AUDIT_ARCH, type SeccompArch, SYSCALLS } from "./syscalls.js";

// Classic BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const AND_K = 0x54;
const RET_K = 0x06;
const RET_KILL_PROCESS = 0x80000000;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;

// Offsets into struct seccomp_data { int nr; u32 arch; u64 ip; u64 args[6]; }; args read as their low 32 bits.
const OFF_NR = 0;
const OFF_ARCH = 4;
const argLow = (i: number) => 16 + 8 * i;

/** Syscalls refused outright with EPERM. Documented in docs/sandbox.md; keep both in step. */
export const BLOCKED_SYSCALLS = [
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "pidfd_getfd",
  "mount",
  "umount2",
  "pivot_root",
  "chroot",
  "move_mount",
  "open_tree",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "mount_setattr",
  "unshare",
  "setns",
  "keyctl",
  "add_key",
  "request_key",
  "bpf",
  "userfaultfd",
  "perf_event_open",
  "kexec_load",
  "kexec_file_load",
  "init_module",
  "finit_module",
  "delete_module",
  "reboot",
  "swapon",
  "swapoff",
  "acct",
  "open_by_handle_at",
  "name_to_handle_at",
  "quotactl",
  "quotactl_fd",
  "lookup_dcookie",
  "syslog",
  "settimeofday",
  "clock_settime",
  "clock_adjtime",
  "adjtimex",
  "vhangup",
  "nfsservctl",
  "fanotify_init",
  "iopl",
  "ioperm",
  "uselib",
] as const;

/** Refused with ENOSYS so C libraries fall back to an older call the filter can inspect (clone3 -> clone). */
export const ENOSYS_SYSCALLS = ["clone3", "io_uring_setup", "io_uring_enter", "io_uring_register"] as const;

// Argument-level rules.
const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOCK_TYPE_MASK = 0xf;
const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;
// CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET (CLONE_NEWTIME shares bits with the exit signal in clone).
const CLONE_NEW_MASK = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
const X32_SYSCALL_BIT = 0x40000000;

type Ins = { code: number; jt: number | string; jf: number | string; k: number } | { label: string };

const stmt = (code: number, k: number): Ins => ({ code, jt: 0, jf: 0, k });
const jump = (code: number, k: number, jt: number | string, jf: number | string): Ins => ({ code, jt, jf, k });

/** Assemble instructions with string labels as jump targets into sock_filter bytes. */
function assemble(prog: Ins[]): Buffer {
  const labels = new Map<string, number>();
  const real: Exclude<Ins, { label: string }>[] = [];
  for (const ins of prog) {
    if ("label" in ins) labels.set(ins.label, real.length);
    else real.push(ins);
  }
  const out = Buffer.alloc(real.length * 8);
  real.forEach((ins, pc) => {
    const rel = (t: number | string): number => {
      if (typeof t === "number") return t;
      const at = labels.get(t);
      if (at === undefined) throw new Error(`seccomp: unknown label ${t}`);
      const off = at - pc - 1;
      if (off < 0 || off > 255) throw new Error(`seccomp: jump to ${t} out of range (${off})`);
      return off;
    };
    out.writeUInt16LE(ins.code, pc * 8);
    out.writeUInt8(rel(ins.jt), pc * 8 + 2);
    out.writeUInt8(rel(ins.jf), pc * 8 + 3);
    out.writeUInt32LE(ins.k >>> 0, pc * 8 + 4);
  });
  return out;
}

/** The filter for one architecture, as bytes ready for `bwrap --seccomp FD`. */
export function buildSeccompFilter(arch: SeccompArch): Buffer {
  const nr = SYSCALLS[arch];
  const num = (name: string): number => {
    const n = nr[name];
    if (n === undefined) throw new Error(`seccomp: no number for ${name} on ${arch}`);
    return n;
  };
  const p: Ins[] = [
    stmt(LD_W_ABS, OFF_ARCH),
    jump(JEQ_K, AUDIT_ARCH[arch], 1, 0),
    stmt(RET_K, RET_KILL_PROCESS), // a foreign syscall ABI (e.g. int 0x80 on x86_64) is never allowed
    stmt(LD_W_ABS, OFF_NR),
  ];
  if (arch === "x86_64") p.push(jump(JGE_K, X32_SYSCALL_BIT, "eperm", 0));
  for (const name of BLOCKED_SYSCALLS) {
    if (nr[name] === undefined) continue; // not present on this architecture (iopl, ioperm, uselib on aarch64)
    p.push(jump(JEQ_K, num(name), "eperm", 0));
  }
  for (const name of ENOSYS_SYSCALLS) p.push(jump(JEQ_K, num(name), "enosys", 0));
  p.push(jump(JEQ_K, num("socket"), "socket", 0));
  p.push(jump(JEQ_K, num("clone"), "clone", 0));
  p.push(jump(JEQ_K, num("ioctl"), "ioctl", 0));
  p.push(stmt(RET_K, RET_ALLOW));
  // socket(domain, type, ...): no packet sockets, no raw sockets of any family.
  p.push({ label: "socket" }, stmt(LD_W_ABS, argLow(0)), jump(JEQ_K, AF_PACKET, "eperm", 0));
  p.push(stmt(LD_W_ABS, argLow(1)), stmt(AND_K, SOCK_TYPE_MASK), jump(JEQ_K, SOCK_RAW, "eperm", 0));
  p.push(stmt(RET_K, RET_ALLOW));
  // clone(flags, ...): threads and forks yes, new namespaces (nested user namespaces above all) no.
  p.push({ label: "clone" }, stmt(LD_W_ABS, argLow(0)), jump(JSET_K, CLONE_NEW_MASK, "eperm", 0));
  p.push(stmt(RET_K, RET_ALLOW));
  // ioctl(fd, request, ...): no faking terminal input.
  p.push({ label: "ioctl" }, stmt(LD_W_ABS, argLow(1)), jump(JEQ_K, TIOCSTI, "eperm", 0));
  p.push(jump(JEQ_K, TIOCLINUX, "eperm", 0), stmt(RET_K, RET_ALLOW));
  p.push({ label: "eperm" }, stmt(RET_K, RET_ERRNO | EPERM));
  p.push({ label: "enosys" }, stmt(RET_K, RET_ERRNO | ENOSYS));
  return assemble(p);
}

/** One rule of an OCI runtime seccomp profile (the JSON `podman --security-opt seccomp=FILE` reads). */
interface OciSyscallRule {
  names: string[];
  action: "SCMP_ACT_ERRNO";
  errnoRet: number;
  args?: { index: number; value: number; valueTwo: number; op: "SCMP_CMP_EQ" | "SCMP_CMP_MASKED_EQ" }[];
}

/**
 * The same filter as buildSeccompFilter, as an OCI seccomp profile for container engines (podman), which compile it
 * with libseccomp. Same lists, same errnos; argument rules are spelled as libseccomp comparisons (a masked compare
 * per CLONE_NEW* flag, since libseccomp has no "any bit set" test). Calls of a foreign ABI (i386, x32) hit
 * libseccomp's bad-architecture action, which kills, as the BPF program does.
 */
export function ociSeccompProfile(arch: SeccompArch): Record<string, unknown> {
  const present = (names: readonly string[]) => names.filter((n) => SYSCALLS[arch][n] !== undefined);
  const masked = (index: number, mask: number, value: number) =>
    ({ index, value: mask, valueTwo: value, op: "SCMP_CMP_MASKED_EQ" }) as const;
  const rules: OciSyscallRule[] = [
    { names: present(BLOCKED_SYSCALLS), action: "SCMP_ACT_ERRNO", errnoRet: EPERM },
    { names: [...ENOSYS_SYSCALLS], action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS },
    {
      names: ["socket"],
      action: "SCMP_ACT_ERRNO",
      errnoRet: EPERM,
      args: [{ index: 0, value: AF_PACKET, valueTwo: 0, op: "SCMP_CMP_EQ" }],
    },
    { names: ["socket"], action: "SCMP_ACT_ERRNO", errnoRet: EPERM, args: [masked(1, SOCK_TYPE_MASK, SOCK_RAW)] },
    ...[TIOCSTI, TIOCLINUX].map(
      (req): OciSyscallRule => ({
        names: ["ioctl"],
        action: "SCMP_ACT_ERRNO",
        errnoRet: EPERM,
        args: [masked(1, 0xffffffff, req)],
      }),
    ),
  ];
  for (let bit = 1; bit <= 0x80000000; bit *= 2)
    if ((CLONE_NEW_MASK & bit) !== 0)
      rules.push({ names: ["clone"], action: "SCMP_ACT_ERRNO", errnoRet: EPERM, args: [masked(0, bit, bit)] });
  return {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: [arch === "x86_64" ? "SCMP_ARCH_X86_64" : "SCMP_ARCH_AARCH64"],
    syscalls: rules,
  };
}
