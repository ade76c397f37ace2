// Hot reload of a policy folder: fs.watch with a short debounce, plus a cheap periodic stat of the files as a backstop
// for missed events. Must never swap in an invalid policy: the last valid one stays, and the error is reported.
import { type FSWatcher, statSync, watch } from "node:fs";
import { join } from "node:path";
import { ok, type Result, type WardenError } from "../errors.js";
import type { Action } from "./action.js";
import type { Decision } from "./decision.js";
import type { CompiledPolicy, DecideContext } from "./engine.js";
import { listPolicyFiles } from "./load.js";
import { type LoadOptions, loadPolicyDir } from "./policy.js";

export interface PolicyWatcherOptions extends LoadOptions {
  /** A new valid policy is in force (called after the swap). */
  onReload?: (policy: CompiledPolicy) => void;
  /** An edit was invalid; the previous policy stays in force. Report it loudly. */
  onError?: (error: WardenError) => void;
  /** Quiet time after the last event before reloading (editors write in several steps). Default 20 ms. */
  debounceMs?: number;
  /** Backstop stat interval. Default 50 ms, so an edit applies within ~100 ms even if an event is lost. */
  pollMs?: number;
}

/** Contract: `current()` never returns undefined or an invalid policy; `close()` stops every timer and watcher. */
export interface PolicyWatcher {
  current(): CompiledPolicy;
  decide(action: Action, ctx?: DecideContext): Decision;
  /** Reload now (also what the watcher calls); returns the error and keeps the old policy on failure. */
  reload(): Result<CompiledPolicy>;
  close(): void;
}

/** A cheap fingerprint: names, sizes and mtimes of the policy files (no reads). */
function fingerprint(dir: string): string {
  try {
    return listPolicyFiles(dir)
      .map((n) => {
        const s = statSync(join(dir, n), { bigint: true });
        return `${n}:${s.size}:${s.mtimeNs}:${s.ino}`;
      })
      .join("|");
  } catch (e) {
    return `error:${(e as NodeJS.ErrnoException).code ?? "unknown"}`;
  }
}

/** Load the folder (an error here must stop the daemon) and keep it current. */
export function watchPolicyDir(dir: string, watchOptions: PolicyWatcherOptions = {}): Result<PolicyWatcher> {
  const options: PolicyWatcherOptions = { parseCache: new Map(), ...watchOptions };
  let print = fingerprint(dir);
  const first = loadPolicyDir(dir, options);
  if (!first.ok) return first;
  let policy = first.value;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const reload = (): Result<CompiledPolicy> => {
    print = fingerprint(dir);
    const next = loadPolicyDir(dir, options);
    if (!next.ok) {
      options.onError?.(next.error);
      return next;
    }
    if (next.value.version !== policy.version) {
      policy = next.value;
      options.onReload?.(policy);
    }
    return ok(policy);
  };
  const schedule = () => {
    if (closed) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (closed) return;
      try {
        reload();
      } catch {
        // Only a throwing onReload/onError callback gets here: the swap already happened (or was refused), and a
        // timer must not take the daemon down for a caller's bug.
      }
    }, options.debounceMs ?? 20);
  };

  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dir, { persistent: false }, schedule);
    watcher.on("error", () => {
      // The folder went away or the watch broke: the stat poll below still notices changes.
      watcher?.close();
      watcher = null;
    });
  } catch {
    watcher = null; // fs.watch unsupported here: the poll is enough on its own
  }
  const poll = setInterval(() => {
    if (timer === null && fingerprint(dir) !== print) schedule();
  }, options.pollMs ?? 50);
  poll.unref();

  return ok({
    current: () => policy,
    decide: (action, ctx) => policy.decide(action, ctx),
    reload,
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  });
}
