/*
 * warden-limits: the first program of every bubblewrap-sandboxed command. It sets the command's resource limits,
 * then execs the command in its own place. It runs INSIDE the sandbox (namespaces, seccomp and no_new_privs are
 * already in force), so it needs and gets no privilege.
 *
 * Usage (the flag syntax of prlimit(1), so either program can be used):
 *   warden-limits [--seccomp=FILE] --cpu=SOFT:HARD --data=N --nproc=N --fsize=N --nofile=N --core=N -- CMD ARGS...
 * Every limit flag is required exactly once. --seccomp (the docker backend, whose engines cannot all take a custom
 * profile) installs the classic-BPF program in FILE (seccomp.ts, the same bytes bubblewrap loads) with no_new_privs,
 * last, just before the exec; a missing, unreadable or refused program exits 125 like a bad limit. Any malformed flag or failed limit exits 125 before anything runs (fail
 * closed: a command never runs with fewer limits than asked). CMD is looked up in PATH like execvp(3) (a file
 * without '#!' that the kernel cannot run goes to /bin/sh); exec failure exits 127 (not found) or 126, like a shell.
 *
 * Built without a C library (-nostdlib -static, see build.mjs): its own entry point and raw system calls
 * (prlimit64, execve, write, exit_group; openat, read, close, prctl for --seccomp). It runs once per command, and a static glibc binary of the same code spent
 * ~0.5 ms per exec starting the C library (TLS, IRELATIVE relocations, stdio) against ~0.1 ms for this one. The
 * sandbox's seccomp filter only exists for x86_64 and aarch64, so those are the only targets.
 */
#if !defined(__x86_64__) && !defined(__aarch64__)
#error "warden-limits is built for x86_64 and aarch64 only (the sandbox's seccomp architectures)"
#endif

typedef unsigned long u64;

#if defined(__x86_64__)
#define NR_READ 0
#define NR_WRITE 1
#define NR_CLOSE 3
#define NR_EXECVE 59
#define NR_PRCTL 157
#define NR_EXIT_GROUP 231
#define NR_OPENAT 257
#define NR_PRLIMIT64 302
/* Four arguments; the fifth register is zeroed (prctl refuses PR_SET_NO_NEW_PRIVS unless its unused ones are 0). */
static long sys4(long n, long a, long b, long c, long d) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = 0;
  long r;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                   : "rcx", "r11", "memory");
  return r;
}
__asm__(".text\n.global _start\n_start:\n xor %ebp, %ebp\n mov %rsp, %rdi\n and $-16, %rsp\n call start_c\n hlt\n");
#else
#define NR_OPENAT 56
#define NR_CLOSE 57
#define NR_READ 63
#define NR_WRITE 64
#define NR_EXIT_GROUP 94
#define NR_PRCTL 167
#define NR_EXECVE 221
#define NR_PRLIMIT64 261
static long sys4(long n, long a, long b, long c, long d) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = 0;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory", "cc");
  return x0;
}
__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x30, #0\n mov x0, sp\n bl start_c\n brk #0\n");
#endif

/* The generic Linux values, the same on both targets. */
#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_CORE 4
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIM_INFINITY (~0UL)
#define E_NOENT 2
#define E_NOEXEC 8
#define E_ACCES 13
#define E_NOTDIR 20
#define E_NAMETOOLONG 36
#define E_LOOP 40

#define AT_FDCWD (-100)
#define O_RDONLY_CLOEXEC 02000000
#define PR_SET_SECCOMP 22
#define PR_SET_NO_NEW_PRIVS 38
#define SECCOMP_MODE_FILTER 2
#define BPF_MAXINSNS 4096

#define EXIT_USAGE 125
#define PATH_BUF 4096

struct rlimit64 {
  u64 cur;
  u64 max;
};

struct flag {
  const char *prefix;
  int resource;
  int pair; /* SOFT:HARD accepted */
};

static const struct flag FLAGS[] = {
    {"--cpu=", RLIMIT_CPU, 1},     {"--data=", RLIMIT_DATA, 0},     {"--nproc=", RLIMIT_NPROC, 0},
    {"--fsize=", RLIMIT_FSIZE, 0}, {"--nofile=", RLIMIT_NOFILE, 0}, {"--core=", RLIMIT_CORE, 0},
};
#define NFLAGS (sizeof FLAGS / sizeof FLAGS[0])

/* The compiler may emit calls to these for plain loops and struct copies; there is no C library to provide them. */
void *memset(void *d, int c, u64 n) {
  unsigned char *p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}
void *memcpy(void *d, const void *s, u64 n) {
  unsigned char *p = d;
  const unsigned char *q = s;
  while (n--) *p++ = *q++;
  return d;
}

static u64 len(const char *s) {
  u64 n = 0;
  while (s[n]) n++;
  return n;
}

/* 1 when s starts with prefix. */
static int starts(const char *s, const char *prefix) {
  while (*prefix)
    if (*s++ != *prefix++) return 0;
  return 1;
}

static int same(const char *a, const char *b) { return starts(a, b) && a[len(b)] == '\0'; }

static __attribute__((noreturn)) void leave(int code) {
  for (;;) sys4(NR_EXIT_GROUP, code, 0, 0, 0);
}

static void say(const char *s) { sys4(NR_WRITE, 2, (long)s, (long)len(s), 0); }

static __attribute__((noreturn)) void die(const char *what, const char *arg, int code) {
  say("warden-limits: ");
  say(what);
  say(": ");
  say(arg);
  say("\n");
  leave(code);
}

/* A decimal number without sign or spaces, below RLIM_INFINITY; *end gets the first byte after it. */
static u64 number(const char *s, const char **end, const char *arg) {
  if (*s < '0' || *s > '9') die("not a number", arg, EXIT_USAGE);
  u64 v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    u64 d = (u64)(*s - '0');
    if (v > (RLIM_INFINITY - 1 - d) / 10) die("number out of range", arg, EXIT_USAGE);
    v = v * 10 + d;
  }
  *end = s;
  return v;
}

static const char *env_path(char **envp) {
  for (; *envp; envp++)
    if (starts(*envp, "PATH=")) return *envp + 5;
  return "/bin:/usr/bin"; /* execvp's default */
}

struct sock_filter {
  unsigned short code;
  unsigned char jt;
  unsigned char jf;
  unsigned int k;
};
struct sock_fprog {
  unsigned short len;
  struct sock_filter *filter;
};
static struct sock_filter program[BPF_MAXINSNS + 1];

/* Reads the whole BPF program from path and installs it (with no_new_privs, which an unprivileged filter needs). */
static void load_seccomp(const char *path, const char *arg) {
  long fd = sys4(NR_OPENAT, AT_FDCWD, (long)path, O_RDONLY_CLOEXEC, 0);
  if (fd < 0) die("cannot open the seccomp program", arg, EXIT_USAGE);
  char *buf = (char *)program;
  u64 cap = sizeof program, got = 0;
  for (;;) {
    long n = sys4(NR_READ, fd, (long)(buf + got), (long)(cap - got), 0);
    if (n < 0) die("cannot read the seccomp program", arg, EXIT_USAGE);
    if (n == 0) break;
    got += (u64)n;
    if (got == cap) die("seccomp program too long", arg, EXIT_USAGE);
  }
  sys4(NR_CLOSE, fd, 0, 0, 0);
  if (got == 0 || got % sizeof(struct sock_filter) != 0) die("malformed seccomp program", arg, EXIT_USAGE);
  struct sock_fprog prog = {(unsigned short)(got / sizeof(struct sock_filter)), program};
  if (sys4(NR_PRCTL, PR_SET_NO_NEW_PRIVS, 1, 0, 0) != 0) die("cannot set no_new_privs", arg, EXIT_USAGE);
  if (sys4(NR_PRCTL, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (long)&prog, 0) != 0)
    die("the kernel refused the seccomp program", arg, EXIT_USAGE);
}

/* execve, and for a file the kernel does not recognise (no ELF, no '#!'), /bin/sh FILE ARGS like execvp(3). argv[-1]
 * is writable (it held "--"), so the shell's argv is built in place. Returns the failing errno (positive). */
static long try_exec(const char *path, char **argv, char **envp) {
  long e = -sys4(NR_EXECVE, (long)path, (long)argv, (long)envp, 0);
  if (e != E_NOEXEC) return e;
  argv[-1] = "sh";
  argv[0] = (char *)path;
  sys4(NR_EXECVE, (long)"/bin/sh", (long)(argv - 1), (long)envp, 0);
  return E_NOEXEC;
}

static __attribute__((noreturn)) void exec_failed(const char *cmd, long e) {
  if (e == E_NOENT || e == E_NOTDIR) die(cmd, "not found", 127);
  if (e == E_ACCES) die(cmd, "permission denied", 126);
  if (e == E_NOEXEC) die(cmd, "cannot execute (bad format)", 126);
  if (e == E_NAMETOOLONG) die(cmd, "name too long", 126);
  if (e == E_LOOP) die(cmd, "too many symbolic links", 126);
  die(cmd, "cannot execute", 126);
}

/* execvp(3): a name with '/' is run as is; else each PATH folder in turn (an empty entry is the current folder). */
static __attribute__((noreturn)) void run(char **argv, char **envp) {
  const char *cmd = argv[0];
  char *name = argv[0];
  if (cmd[0] == '\0') exec_failed(cmd, E_NOENT);
  for (const char *c = cmd; *c; c++)
    if (*c == '/') exec_failed(cmd, try_exec(cmd, argv, envp));
  u64 n = len(cmd);
  char buf[PATH_BUF];
  int denied = 0;
  const char *p = env_path(envp);
  for (;;) {
    const char *colon = p;
    while (*colon && *colon != ':') colon++;
    u64 d = (u64)(colon - p);
    if (d + 1 + n + 1 <= PATH_BUF) {
      u64 k = 0;
      if (d == 0) buf[k++] = '.';
      for (u64 i = 0; i < d; i++) buf[k++] = p[i];
      buf[k++] = '/';
      for (u64 i = 0; i <= n; i++) buf[k++] = cmd[i];
      long e = try_exec(buf, argv, envp);
      argv[0] = name; /* try_exec may have rewritten it for the shell */
      if (e == E_ACCES) denied = 1;
      else if (e != E_NOENT && e != E_NOTDIR && e != E_NAMETOOLONG && e != E_LOOP) exec_failed(cmd, e);
    }
    if (*colon == '\0') break;
    p = colon + 1;
  }
  exec_failed(cmd, denied ? E_ACCES : E_NOENT);
}

__attribute__((used, noreturn)) void start_c(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  struct rlimit64 want[NFLAGS];
  int seen[NFLAGS];
  for (u64 f = 0; f < NFLAGS; f++) seen[f] = 0;
  const char *seccomp = 0, *seccomp_arg = 0;
  int i = 1;
  for (; i < argc && !same(argv[i], "--"); i++) {
    if (starts(argv[i], "--seccomp=")) {
      if (seccomp) die("flag given twice", argv[i], EXIT_USAGE);
      seccomp = argv[i] + len("--seccomp=");
      seccomp_arg = argv[i];
      if (*seccomp == '\0') die("malformed flag", argv[i], EXIT_USAGE);
      continue;
    }
    u64 f = 0;
    while (f < NFLAGS && !starts(argv[i], FLAGS[f].prefix)) f++;
    if (f == NFLAGS) die("unknown flag", argv[i], EXIT_USAGE);
    if (seen[f]) die("flag given twice", argv[i], EXIT_USAGE);
    const char *end;
    u64 soft = number(argv[i] + len(FLAGS[f].prefix), &end, argv[i]);
    u64 hard = soft;
    if (FLAGS[f].pair && *end == ':') hard = number(end + 1, &end, argv[i]);
    if (*end != '\0' || soft > hard) die("malformed limit", argv[i], EXIT_USAGE);
    want[f].cur = soft;
    want[f].max = hard;
    seen[f] = 1;
  }
  for (u64 f = 0; f < NFLAGS; f++)
    if (!seen[f]) die("missing flag", FLAGS[f].prefix, EXIT_USAGE);
  if (i + 1 >= argc) die("no command", "give one after --", EXIT_USAGE);
  for (u64 f = 0; f < NFLAGS; f++)
    if (sys4(NR_PRLIMIT64, 0, FLAGS[f].resource, (long)&want[f], 0) != 0)
      die("cannot set the limit", FLAGS[f].prefix, EXIT_USAGE);
  if (seccomp) load_seccomp(seccomp, seccomp_arg);
  run(argv + i + 1, envp);
}
