// How the engine learns what an action really touches: real paths (symlinks resolved, ".." applied the way the
// kernel would) and the real executable a program name runs. Injected, so tests and benchmarks are deterministic.
// Must never guess: anything it cannot resolve is null, and the engine denies it.
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, posix } from "node:path";

/** Contract: never throws; null means "cannot be resolved" (NUL byte, loop, relative path without base, ...). */
export interface Resolver {
  /** The real absolute path of `path` (it need not exist: the missing tail is appended to the real parent). */
  realpath(path: string, cwd?: string): string | null;
  /** What exec would run for argv[0]: with a slash, relative to cwd; otherwise the first PATH hit. Real path. */
  which(program: string, cwd?: string): string | null;
}

export const MAX_PATH_LENGTH = 4096;

/** Shared by every resolver: split off what can be known without the filesystem, refuse what must not pass. */
export function absoluteOrNull(path: string, cwd?: string): string | null {
  if (path.length === 0 || path.length > MAX_PATH_LENGTH || path.includes("\0")) return null;
  if (isAbsolute(path)) return path;
  if (cwd === undefined || !isAbsolute(cwd) || cwd.includes("\0")) return null;
  return `${cwd.replace(/\/+$/, "")}/${path}`;
}

/**
 * Resolve with a `realpathOf` that fails on missing paths: the longest existing prefix is resolved for real, the
 * missing tail is appended. A tail containing ".." is refused: the kernel would apply it after the (unknown)
 * symlinks, so folding it here could name a different file.
 */
export function resolveWith(realpathOf: (p: string) => string | null, path: string, cwd?: string): string | null {
  const abs = absoluteOrNull(path, cwd);
  if (abs === null) return null;
  const parts = abs.split("/").filter((p) => p !== "" && p !== ".");
  for (let cut = parts.length; cut >= 0; cut--) {
    const head = `/${parts.slice(0, cut).join("/")}`;
    const real = realpathOf(head);
    if (real === null) continue;
    const tail = parts.slice(cut);
    if (tail.includes("..")) return null;
    return tail.length === 0 ? real : posix.join(real, ...tail);
  }
  return null;
}

export interface NodeResolverOptions {
  /** The PATH the sandboxed command will see, e.g. "/usr/local/bin:/usr/bin:/bin". Passed in, never read from env. */
  pathEnv: string;
}

/** The real resolver over node:fs. A loop (ELOOP) or permission error makes the path unresolvable. */
export function createNodeResolver(options: NodeResolverOptions): Resolver {
  const dirs = options.pathEnv.split(":").filter((d) => isAbsolute(d));
  const real = (p: string): string | null => {
    try {
      return realpathSync.native(p);
    } catch (e) {
      // ENOENT: missing, the caller walks up. Anything else (ELOOP, EACCES, ENOTDIR) must refuse, not walk up.
      return (e as NodeJS.ErrnoException).code === "ENOENT" ? null : LOOP;
    }
  };
  const realpath = (path: string, cwd?: string): string | null => {
    const out = resolveWith(real, path, cwd);
    return out === null || out.startsWith(LOOP) ? null : out;
  };
  const executable = (p: string): string | null => {
    // stat first: a PATH miss is the common case, and a thrown ENOENT costs far more than a stat.
    const st = statSync(p, { throwIfNoEntry: false });
    if (st === undefined || !st.isFile()) return null;
    try {
      accessSync(p, constants.X_OK);
      return realpathSync.native(p);
    } catch {
      return null; // not there or not executable: exec would not run it either
    }
  };
  return {
    realpath,
    which(program, cwd) {
      if (program.length === 0 || program.includes("\0") || program.length > MAX_PATH_LENGTH) return null;
      if (program.includes("/")) {
        const abs = absoluteOrNull(program, cwd);
        return abs === null ? null : executable(abs);
      }
      for (const dir of dirs) {
        const hit = executable(join(dir, program));
        if (hit !== null) return hit;
      }
      return null;
    },
  };
}

// A marker no real path starts with (real paths start with "/"), so an unresolvable prefix poisons the result.
const LOOP = "\0unresolvable";
