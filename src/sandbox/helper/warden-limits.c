/*
 * warden-limits: the first program of every bubblewrap-sandboxed command. It sets the command's resource limits,
 * then execs the command in its own place. It runs INSIDE the sandbox (namespaces, seccomp and no_new_privs are
 * already in force), so it needs and gets no privilege; it only makes the limits cost one small static exec instead
 * of prlimit(1) with its shared libraries.
 *
 * Usage (the flag syntax of prlimit(1), so either program can be used):
 *   warden-limits --cpu=SOFT:HARD --data=N --nproc=N --fsize=N --nofile=N --core=N -- CMD ARGS...
 * Every flag is required exactly once. Any malformed flag or failed setrlimit exits 125 before anything runs (fail
 * closed: a command never runs with fewer limits than asked). Exec failure exits 127 (not found) or 126, like a shell.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define EXIT_USAGE 125

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

static void die(const char *what, const char *arg) {
  fprintf(stderr, "warden-limits: %s: %s\n", what, arg);
  exit(EXIT_USAGE);
}

/* A decimal number without sign or spaces, that fits in rlim_t; *end gets the first byte after it. */
static rlim_t number(const char *s, const char **end, const char *arg) {
  if (*s < '0' || *s > '9') die("not a number", arg);
  errno = 0;
  char *e;
  unsigned long long v = strtoull(s, &e, 10);
  if (errno != 0 || v >= (unsigned long long)RLIM_INFINITY) die("number out of range", arg);
  *end = e;
  return (rlim_t)v;
}

int main(int argc, char **argv) {
  struct rlimit want[NFLAGS];
  int seen[NFLAGS] = {0};
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    size_t f = 0;
    while (f < NFLAGS && strncmp(argv[i], FLAGS[f].prefix, strlen(FLAGS[f].prefix)) != 0) f++;
    if (f == NFLAGS) die("unknown flag", argv[i]);
    if (seen[f]) die("flag given twice", argv[i]);
    const char *end;
    rlim_t soft = number(argv[i] + strlen(FLAGS[f].prefix), &end, argv[i]);
    rlim_t hard = soft;
    if (FLAGS[f].pair && *end == ':') hard = number(end + 1, &end, argv[i]);
    if (*end != '\0' || soft > hard) die("malformed limit", argv[i]);
    want[f].rlim_cur = soft;
    want[f].rlim_max = hard;
    seen[f] = 1;
  }
  for (size_t f = 0; f < NFLAGS; f++)
    if (!seen[f]) die("missing flag", FLAGS[f].prefix);
  if (i + 1 >= argc) die("no command", "give one after --");
  for (size_t f = 0; f < NFLAGS; f++)
    if (setrlimit(FLAGS[f].resource, &want[f]) != 0) die(strerror(errno), FLAGS[f].prefix);
  execvp(argv[i + 1], argv + i + 1);
  int e = errno;
  fprintf(stderr, "warden-limits: %s: %s\n", argv[i + 1], strerror(e));
  return e == ENOENT ? 127 : 126;
}
