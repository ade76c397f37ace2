// Programs and argument forms that run another program or inline code. The engine never looks inside them: an allow
// rule matches one only if it names it (its executable, or the form under `wrappers:`). Must only ever grow.
import { posix } from "node:path";

/** Programs that are wrappers whatever their arguments: a rule must name the executable itself. */
export const WRAPPER_PROGRAMS = [
  // shells: any invocation runs shell code (sh -c, bash -lc, a script, stdin)
  "sh",
  "bash",
  "zsh",
  "dash",
  "ksh",
  "mksh",
  "fish",
  "csh",
  "tcsh",
  "busybox",
  // wrappers: run the program named in their arguments
  "env",
  "time",
  "nice",
  "nohup",
  "timeout",
  "stdbuf",
  "flock",
  "xargs",
  "setsid",
  "sudo",
  "su",
  "doas",
  "chroot",
  "unshare",
  "strace",
  "ltrace",
  "ionice",
  "taskset",
  "chrt",
  "nsenter",
  "runuser",
  "pkexec",
  "watch",
  "script",
  "firejail",
  "bwrap",
] as const;

/** Argument forms: the program is fine on its own, these arguments make it run other code. */
export const WRAPPER_FORMS = [
  "python -c",
  "node -e",
  "perl -e",
  "ruby -e",
  "php -r",
  "osascript -e",
  "lua -e",
  "find -exec",
  "git -c",
  "git alias",
] as const;

export type WrapperForm = (typeof WRAPPER_FORMS)[number];
export type WrapperId = (typeof WRAPPER_PROGRAMS)[number] | WrapperForm;

const PROGRAMS = new Set<string>(WRAPPER_PROGRAMS);

// Inline-code flags, checked on every argument (a flag meant for the script is refused too: the safe direction).
// Reading code from stdin ("-" or no script at all) counts as inline code.
const INTERPRETERS: ReadonlyArray<[RegExp, WrapperForm, RegExp]> = [
  [/^python[0-9.]*$/, "python -c", /^-[^-]*c/],
  [/^(node|nodejs|bun)$/, "node -e", /^(-[^-]*[ep]|--eval|--print)/],
  [/^perl[0-9.]*$/, "perl -e", /^-[^-]*[eE]/],
  [/^ruby[0-9.]*$/, "ruby -e", /^-[^-]*e/],
  [/^php[0-9.]*$/, "php -r", /^(-[^-]*r|--run)/],
  [/^osascript$/, "osascript -e", /^-[^-]*e/],
  [/^lua[0-9.]*$/, "lua -e", /^-[^-]*e/],
];

const ANY_INTERPRETER = new RegExp(INTERPRETERS.map(([re]) => `(?:${re.source})`).join("|"));

const FIND_EXEC = new Set(["-exec", "-execdir", "-ok", "-okdir"]);

// Built-in git commands: anything else in the subcommand position may be an alias (and "!cmd" aliases run a shell).
const GIT_BUILTINS = new Set(
  (
    "add am annotate apply archive bisect blame branch bundle cat-file check-attr check-ignore check-mailmap " +
    "check-ref-format checkout cherry cherry-pick clean clone commit commit-graph commit-tree config count-objects " +
    "describe diff diff-files diff-index diff-tree difftool fetch for-each-ref format-patch fsck gc grep hash-object " +
    "help init log ls-files ls-remote ls-tree merge merge-base mv name-rev notes prune pull push range-diff " +
    "read-tree rebase reflog remote repack replace reset restore rev-list rev-parse revert rm shortlog show " +
    "show-branch show-ref sparse-checkout stash status submodule switch symbolic-ref tag update-index update-ref " +
    "var verify-commit verify-tag version whatchanged worktree write-tree"
  ).split(" "),
);
// Global options that take a separate value; "-c"/"--config-env"/"--exec-path" change what git runs.
const GIT_VALUE_OPTS = new Set(["-C", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--list-cmds"]);
const GIT_CONFIG_OPTS = /^(-c|--config-env|--exec-path)(=|$)|^-c./;

function gitForm(args: readonly string[]): WrapperForm | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (GIT_CONFIG_OPTS.test(a)) return "git -c";
    if (GIT_VALUE_OPTS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith("-")) continue;
    return GIT_BUILTINS.has(a) ? null : "git alias";
  }
  return null;
}

/** The names a program goes by: as invoked, and as it really is on disk (a link named "ls" to bash is bash). */
function names(argv0: string, realExe: string | null): string[] {
  const out = [posix.basename(argv0)];
  if (realExe !== null) out.push(posix.basename(realExe));
  return out;
}

/**
 * Every wrapper an argv is (empty for a plain program). Both names count: a link named "ls" that really is busybox
 * is both; an allow rule must name all of them. Pure: the caller supplies the resolved executable.
 */
export function detectWrappers(argv: readonly string[], realExe: string | null): WrapperId[] {
  const argv0 = argv[0];
  if (argv0 === undefined) return [];
  // Fast path for the common case: neither name is a wrapper, an interpreter, find or git.
  const ns = names(argv0, realExe);
  if (!ns.some((n) => PROGRAMS.has(n) || n === "find" || n === "git" || ANY_INTERPRETER.test(n))) return [];
  const args = argv.slice(1);
  const found = new Set<WrapperId>();
  for (const name of ns) {
    if (PROGRAMS.has(name)) found.add(name as WrapperId);
    for (const [re, form, flag] of INTERPRETERS) {
      if (re.test(name) && (args.length === 0 || args.some((a) => a === "-" || flag.test(a)))) found.add(form);
    }
    if (name === "find" && args.some((a) => FIND_EXEC.has(a))) found.add("find -exec");
    if (name === "git") {
      const form = gitForm(args);
      if (form !== null) found.add(form);
    }
  }
  return [...found];
}

export function isWrapperProgram(id: WrapperId): boolean {
  return PROGRAMS.has(id);
}
