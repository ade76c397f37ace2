// An in-memory Resolver: a map of symlinks and a set of executables, resolved with the kernel's rules (a ".." after a
// symlink applies to the link's target). For tests, property tests and the benchmark; never used by the daemon.
import { absoluteOrNull, type Resolver } from "./resolve.js";

export interface MemoryResolverOptions {
  /** Absolute link path -> target (absolute, or relative to the link's folder). */
  links?: Record<string, string>;
  /** Absolute paths of executable files (after links). */
  executables?: readonly string[];
  /** Folders searched for a bare program name, in order. */
  path?: readonly string[];
}

const MAX_HOPS = 40; // Linux's MAXSYMLINKS

export function createMemoryResolver(options: MemoryResolverOptions = {}): Resolver {
  const links = new Map(Object.entries(options.links ?? {}));
  const exes = new Set(options.executables ?? []);
  const dirs = options.path ?? [];

  // The tree never changes, so answers can be remembered (bounded, so a hostile stream cannot grow it forever).
  const memo = new Map<string, string | null>();
  const realpath = (path: string, cwd?: string): string | null => {
    const key = `${cwd ?? ""}\0${path}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const out = resolve(path, cwd);
    if (memo.size > 50_000) memo.clear();
    memo.set(key, out);
    return out;
  };
  const resolve = (path: string, cwd?: string): string | null => {
    const abs = absoluteOrNull(path, cwd);
    if (abs === null) return null;
    const pending = abs.split("/").reverse();
    const out: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.pop() as string;
      if (part === "" || part === ".") continue;
      if (part === "..") {
        out.pop();
        continue;
      }
      out.push(part);
      const target = links.get(`/${out.join("/")}`);
      if (target === undefined) continue;
      if (++hops > MAX_HOPS) return null; // a loop, like ELOOP
      out.pop();
      if (target.startsWith("/")) out.length = 0;
      pending.push(...target.split("/").reverse());
    }
    return `/${out.join("/")}`;
  };

  return {
    realpath,
    which(program, cwd) {
      if (program.length === 0 || program.includes("\0")) return null;
      if (program.includes("/")) {
        const real = realpath(program, cwd);
        return real !== null && exes.has(real) ? real : null;
      }
      for (const dir of dirs) {
        const real = realpath(`${dir}/${program}`);
        if (real !== null && exes.has(real)) return real;
      }
      return null;
    },
  };
}
