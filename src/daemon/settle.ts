// Gives start-up garbage back to the system once the daemon has settled. Loading the code, parsing the config and the
// policy and opening every service leave several MB of dead objects; V8 returns them only when its memory reducer
// notices the process is idle, which on a busy machine can take minutes, so the idle daemon's RSS depended on the
// machine's load. One full collection shortly after ready makes it steady. It must never run on a hot path: it is a
// single, deferred, unref'd timer, and a failure to get the collector costs nothing but the memory.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Delay after ready: the agent, MCP servers and the background audit check have done their start-up work by then. */
export const SETTLE_AFTER_MS = 5_000;

export function collectStartupGarbage(delayMs = SETTLE_AFTER_MS): { cancel(): void } {
  const timer = setTimeout(() => {
    const gc = fullCollector();
    gc?.();
  }, delayMs);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
}

/** V8's full collector, exposed for this process without a command-line flag (a context made after the flag has it). */
export function fullCollector(): (() => void) | undefined {
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    return typeof gc === "function" ? (gc as () => void) : undefined;
  } catch {
    return undefined; // Why swallow: a runtime without the flag only keeps its garbage a little longer.
  }
}
