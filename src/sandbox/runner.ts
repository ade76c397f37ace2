// Runs one already-built process (bwrap, or the bare command for the `none` backend): feeds stdin and helper fds,
// streams and caps output, enforces the wall timeout and abort by killing the whole process group (and the sandbox's
// pid-namespace init when known), and settles only when nothing of it is left. It never decides what to run.
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import type { CommandSpec, LimitHit, Limits, RunResult } from "./types.js";

export interface SpawnPlan {
  file: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd?: string;
  uid?: number;
  gid?: number;
  /**
   * Helper descriptors from fd 3 up: bytes are written into a pipe then closed; "status" is read as bwrap JSON status
   * lines; a path is opened read-only for this run and handed over as is (no pipe to create and fill); onData
   * receives what the child writes into a pipe.
   */
  fds?: readonly (Buffer | "status" | { path: string } | { onData(chunk: Buffer): void })[];
}

export interface RunIo {
  stdin?: string | Uint8Array | NodeJS.ReadableStream;
  timeoutMs: number;
  outputBytes: number;
  onStdout?: (chunk: Uint8Array) => void;
  onStderr?: (chunk: Uint8Array) => void;
  signal?: AbortSignal;
  /**
   * A marker the run prints first on stderr (the docker backend's "the command is about to run"): when stderr starts
   * with it, it is dropped (never emitted, never counted against outputBytes), `markerSeen` is set and `onMarker`
   * called; stderr that does not start with it is passed on untouched.
   */
  stderrMarker?: string;
  onMarker?: () => void;
}

/** The I/O of one run: the spec's streams and signal, with the limits that apply. */
export function runIo(spec: CommandSpec, limits: Pick<Limits, "timeoutMs" | "outputBytes">): RunIo {
  return {
    timeoutMs: limits.timeoutMs,
    outputBytes: limits.outputBytes,
    ...(spec.stdin !== undefined ? { stdin: spec.stdin } : {}),
    ...(spec.onStdout ? { onStdout: spec.onStdout } : {}),
    ...(spec.onStderr ? { onStderr: spec.onStderr } : {}),
    ...(spec.signal ? { signal: spec.signal } : {}),
  };
}

export interface RawOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  truncated: boolean;
  stdout: string;
  stderr: string;
  status: Record<string, unknown>[];
  spawnError?: NodeJS.ErrnoException;
  durationMs: number;
  /** Whether stderr began with RunIo.stderrMarker. */
  markerSeen?: boolean;
}

const SIGXCPU_EXIT = 128 + 24;
const SIGXFSZ_EXIT = 128 + 25;

/** Which limits the outcome shows were hit (see RunResult.limitsHit). */
export function limitsHit(timedOut: boolean, truncated: boolean, exitCode: number | null): LimitHit[] {
  const hit: LimitHit[] = [];
  if (timedOut) hit.push("timeout");
  if (truncated) hit.push("output");
  if (exitCode === SIGXCPU_EXIT) hit.push("cpu");
  if (exitCode === SIGXFSZ_EXIT) hit.push("fileSize");
  return hit;
}

/**
 * The RunResult of a finished run, the same for every backend; `exitCode` is the backend's reading of the outcome
 * (null when the sandbox was killed), and `createdSensitive` what planPaths reported (none without isolation).
 */
export function runResult(o: RawOutcome, exitCode: number | null, createdSensitive?: string[]): RunResult {
  return {
    exitCode,
    timedOut: o.timedOut,
    aborted: o.aborted && !o.timedOut,
    truncated: o.truncated,
    stdout: o.stdout,
    stderr: o.stderr,
    durationMs: o.durationMs,
    ...(createdSensitive ? { createdSensitive } : {}),
    limitsHit: limitsHit(o.timedOut, o.truncated, exitCode),
  };
}

/** Kill every run still going and wait until each has settled (a Sandbox's killAll). */
export async function killAllRuns(running: Iterable<Running>): Promise<void> {
  const all = [...running];
  for (const r of all) r.kill();
  await Promise.all(all.map((r) => r.done));
}

export const truncationMarker = (cap: number) => `\n[warden: output truncated after ${cap} bytes]\n`;

export interface Running {
  done: Promise<RawOutcome>;
  kill(): void;
  /** The spawned process (leader of its own process group), once started. */
  readonly pid?: number | undefined;
}

// Synchronous: a single small /proc read, on the path of every command's completion (a thread-pool hop costs more).
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return true; // no /proc entry: the process is gone
  }
}

/**
 * Wait (bounded, ~2 s) until a pid has left; an escaped process is reported by the caller's tests, not hidden. The
 * sandbox's pid 1 usually finishes within a millisecond of bubblewrap's exit (bubblewrap returns as soon as pid 1
 * reports the command's status), so it is polled every millisecond at first: a 10 ms poll added ~5 ms to the
 * average command.
 */
async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 300 && !gone(pid); i++) await new Promise((r) => setTimeout(r, i < 100 ? 1 : 10));
}

const O_CLOEXEC = 0o2000000;

/**
 * Descriptors this process inherited without close-on-exec (from a shell or a test runner): a child would inherit
 * them too. Node opens its own descriptors close-on-exec, so only these leak; runProcess covers each with /dev/null.
 */
export function leakableFds(): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc/self/fd")) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd <= 2) continue;
    let info: number;
    try {
      info = openSync(`/proc/self/fdinfo/${fd}`, "r");
    } catch {
      continue; // closed between readdir and open (the readdir's own descriptor): nothing to cover
    }
    try {
      // "pos:\tN\nflags:\tOCTAL\n..." : the flags are in the first bytes. One read into a small buffer, on the path of
      // every command (readFileSync costs twice the system calls). Unreadable flags count as leakable: covering a
      // descriptor that did not need it is harmless, missing one is not.
      const n = readSync(info, FDINFO_BUF, 0, FDINFO_BUF.length, 0);
      const flags = /^flags:\s+([0-7]+)/m.exec(FDINFO_BUF.toString("latin1", 0, n))?.[1];
      if (flags === undefined || (Number.parseInt(flags, 8) & O_CLOEXEC) === 0) out.push(fd);
    } finally {
      closeSync(info);
    }
  }
  return out;
}

const FDINFO_BUF = Buffer.alloc(128);

/**
 * `killer`, when given, replaces the default kill (SIGKILL to the process group and the sandbox's pid 1) on timeout,
 * abort and killAll, and gets that default to fall back on: a container engine stops its container by name first,
 * since killing its client alone leaves the container running.
 */
export function runProcess(plan: SpawnPlan, io: RunIo, killer?: (killGroup: () => void) => void): Running {
  const started = performance.now();
  const fds = plan.fds ?? [];
  // Opened close-on-exec (Node's default): only the child's dup at its own number survives the exec.
  const opened: (number | undefined)[] = [];
  try {
    for (const fd of fds) opened.push(typeof fd === "object" && "path" in fd ? openSync(fd.path, "r") : undefined);
  } catch (e) {
    for (const o of opened) if (o !== undefined) closeSync(o);
    const outcome: RawOutcome = {
      code: null,
      signal: null,
      timedOut: false,
      aborted: false,
      truncated: false,
      stdout: "",
      stderr: "",
      status: [],
      spawnError: e as NodeJS.ErrnoException,
      durationMs: performance.now() - started,
    };
    return { done: Promise.resolve(outcome), kill: () => {} };
  }
  const stdio: (number | "pipe" | "ignore")[] = [
    io.stdin === undefined ? "ignore" : "pipe",
    "pipe",
    "pipe",
    ...opened.map((o) => o ?? ("pipe" as const)),
  ];
  const leaked = leakableFds().filter((fd) => fd >= stdio.length);
  const devNull = leaked.length > 0 ? openSync("/dev/null", "r") : undefined;
  for (const fd of leaked) {
    while (stdio.length < fd) stdio.push("ignore");
    stdio[fd] = devNull as number;
  }
  const child = spawn(plan.file, plan.args, {
    env: plan.env,
    cwd: plan.cwd ?? "/",
    stdio,
    detached: true, // own session and process group, so one kill reaches everything bwrap started outside the sandbox
    ...(plan.uid !== undefined ? { uid: plan.uid } : {}),
    ...(plan.gid !== undefined ? { gid: plan.gid } : {}),
  });
  if (devNull !== undefined) closeSync(devNull);
  for (const o of opened) if (o !== undefined) closeSync(o);
  const out: Buffer[] = [];
  const errOut: Buffer[] = [];
  const status: Record<string, unknown>[] = [];
  let used = 0;
  let truncated = false;
  let timedOut = false;
  let aborted = false;
  let spawnError: NodeJS.ErrnoException | undefined;
  let innerPid: number | undefined;

  const killGroup = () => {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone: nothing to kill
      }
    }
    if (innerPid !== undefined) {
      try {
        process.kill(innerPid, "SIGKILL"); // pid 1 of the sandbox: its death takes the whole pid namespace down
      } catch {
        // already gone
      }
    }
  };
  const kill = () => (killer ? killer(killGroup) : killGroup());

  const take = (sink: Buffer[], emit: ((c: Uint8Array) => void) | undefined) => (chunk: Buffer) => {
    if (truncated) return; // keep draining so the command never blocks on a full pipe; the bytes are dropped
    const room = io.outputBytes - used;
    let piece = chunk;
    if (chunk.length > room) {
      truncated = true;
      piece = Buffer.concat([chunk.subarray(0, room), Buffer.from(truncationMarker(io.outputBytes))]);
    }
    used += Math.min(chunk.length, room);
    sink.push(piece);
    emit?.(piece);
  };
  child.stdout?.on("data", take(out, io.onStdout));
  const takeErr = take(errOut, io.onStderr);
  let marker = io.stderrMarker === undefined ? undefined : Buffer.from(io.stderrMarker);
  let markerSeen = false;
  let held = Buffer.alloc(0);
  const flushHeld = () => {
    marker = undefined;
    if (held.length > 0) takeErr(held);
    held = Buffer.alloc(0);
  };
  child.stderr?.on("data", (chunk: Buffer) => {
    if (marker === undefined) return takeErr(chunk);
    held = Buffer.concat([held, chunk]);
    const n = Math.min(held.length, marker.length);
    if (!held.subarray(0, n).equals(marker.subarray(0, n))) return flushHeld();
    if (held.length < marker.length) return; // a prefix of the marker so far: wait for more
    held = held.subarray(marker.length);
    markerSeen = true;
    io.onMarker?.();
    flushHeld();
  });

  fds.forEach((fd, i) => {
    const stream = child.stdio[i + 3] as (Readable & Writable) | null;
    if (!stream || opened[i] !== undefined) return;
    stream.on("error", () => {}); // the reader may close early (bwrap exits on a bad profile); the exit says why
    if (typeof fd === "object" && "onData" in fd) {
      stream.on("data", (d: Buffer) => fd.onData(d));
    } else if (fd === "status") {
      let buf = "";
      stream.on("data", (d: Buffer) => {
        buf += d.toString();
        // bwrap writes one JSON object per line
        for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          try {
            const obj = JSON.parse(line) as Record<string, unknown>;
            status.push(obj);
            if (typeof obj["child-pid"] === "number") innerPid = obj["child-pid"];
            if (timedOut || aborted) kill();
          } catch {
            // not JSON: ignored, and the missing exit-code then marks the run as a sandbox failure
          }
        }
      });
    } else {
      stream.end(fd as Buffer);
    }
  });
  if (io.stdin !== undefined && child.stdin) {
    child.stdin.on("error", () => {}); // EPIPE when the command does not read its input: not an error of ours
    if (typeof io.stdin === "string" || io.stdin instanceof Uint8Array) child.stdin.end(io.stdin);
    else io.stdin.pipe(child.stdin); // a stream (the CLI's own stdin): forwarded as it comes, closed at its end
  }

  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, io.timeoutMs);
  const onAbort = () => {
    aborted = true;
    kill();
  };
  if (io.signal?.aborted) onAbort();
  else io.signal?.addEventListener("abort", onAbort, { once: true });

  const done = new Promise<RawOutcome>((resolve) => {
    let settled = false;
    child.on("error", (e: NodeJS.ErrnoException) => {
      spawnError = e;
      if (child.pid === undefined) finish(null, null); // never started: no 'close' is guaranteed
    });
    child.on("close", (code, signal) => finish(code, signal));
    async function finish(code: number | null, signal: NodeJS.Signals | null) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A stdin stream outlives the command (e.g. `yes | warden sandbox exec -- true`): stop feeding a dead pipe.
      if (io.stdin !== undefined && typeof io.stdin !== "string" && !(io.stdin instanceof Uint8Array) && child.stdin)
        io.stdin.unpipe(child.stdin);
      io.signal?.removeEventListener("abort", onAbort);
      // bwrap may exit as soon as the command has, while its pid 1 is still killing and reaping the rest of the pid
      // namespace (detached processes included). pid 1 finishes exiting only once they are all gone, so waiting for
      // it makes "nothing is left when run settles" hold without a timing assumption. Usually one /proc read.
      if (innerPid !== undefined) await waitGone(innerPid);
      if (marker !== undefined) flushHeld(); // stderr ended inside what could have been the marker: it was not
      resolve({
        code,
        signal,
        timedOut,
        aborted,
        truncated,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(errOut).toString(),
        status,
        ...(spawnError ? { spawnError } : {}),
        durationMs: performance.now() - started,
        ...(io.stderrMarker !== undefined ? { markerSeen } : {}),
      });
    }
  });
  // An outside kill (killAll, daemon shutdown) is reported like an abort: the command did not choose to exit.
  return { done, kill: () => onAbort(), pid: child.pid };
}
