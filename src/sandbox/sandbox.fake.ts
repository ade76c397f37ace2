// A fake Sandbox for tests of other domains (agent loop, CLI): runs a handful of tiny built-in programs in memory
// (true, false, echo, cat, sleep, head -c N /dev/zero) with the same result shapes, limits and error codes as the
// real backends. It isolates nothing and must never be wired outside tests.
import { stat } from "node:fs/promises";
import { err, ok, type Result, WardenError } from "../errors.js";
import { limitsHit, truncationMarker } from "./runner.js";
import type { CommandSpec, Limits, RunResult, Sandbox, SandboxInfo } from "./types.js";

type Program = (args: string[], io: { stdin: string; out: (s: string) => void; errOut: (s: string) => void }) => number;

const PROGRAMS: Record<string, Program> = {
  true: () => 0,
  false: () => 1,
  echo: (args, io) => {
    io.out(`${args.join(" ")}\n`);
    return 0;
  },
  cat: (args, io) => {
    if (args.length === 0) {
      io.out(io.stdin);
      return 0;
    }
    for (const a of args) io.errOut(`cat: ${a}: No such file or directory\n`);
    return 1;
  },
  head: (args, io) => {
    const n = Number(args[1] ?? 0);
    io.out("\0".repeat(n));
    return 0;
  },
};

async function readInput(input: CommandSpec["stdin"]): Promise<string> {
  if (input === undefined) return "";
  if (typeof input === "string") return input;
  if (input instanceof Uint8Array) return Buffer.from(input).toString();
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString();
}

export interface FakeCall {
  spec: CommandSpec;
}

export class FakeSandbox implements Sandbox {
  readonly backend = "fake" as const;
  readonly calls: FakeCall[] = [];
  readonly #limits: Limits;
  readonly #sleepers = new Set<() => void>();

  constructor(defaultLimits: Limits) {
    this.#limits = defaultLimits;
  }

  async probe(): Promise<Result<SandboxInfo, WardenError>> {
    return ok({ backend: "fake", version: "0" });
  }

  async run(spec: CommandSpec): Promise<Result<RunResult, WardenError>> {
    this.calls.push({ spec });
    const started = performance.now();
    const [name, ...args] = spec.argv;
    if (!name) return err(new WardenError("BAD_REQUEST", "empty command", { fix: "give a command after --" }));
    const ws = await stat(spec.workspace).catch(() => undefined);
    if (!ws?.isDirectory())
      return err(
        new WardenError("SANDBOX_UNAVAILABLE", `workspace ${spec.workspace} is not an existing folder`, {
          fix: "create the folder or pass --workspace DIR",
        }),
      );
    const limits = { ...this.#limits, ...spec.limits };
    let used = 0;
    let truncated = false;
    const chunks = { out: "", err: "" };
    const emit = (which: "out" | "err") => (s: string) => {
      if (truncated) return;
      let piece = s;
      if (used + Buffer.byteLength(s) > limits.outputBytes) {
        truncated = true;
        piece =
          Buffer.from(s)
            .subarray(0, limits.outputBytes - used)
            .toString() + truncationMarker(limits.outputBytes);
      }
      used += Buffer.byteLength(s);
      chunks[which] += piece;
      (which === "out" ? spec.onStdout : spec.onStderr)?.(Buffer.from(piece));
    };
    const result = (exitCode: number | null, timedOut = false, aborted = false): RunResult => ({
      exitCode,
      timedOut,
      aborted,
      truncated,
      stdout: chunks.out,
      stderr: chunks.err,
      durationMs: performance.now() - started,
      limitsHit: limitsHit(timedOut, truncated, exitCode),
    });
    if (name === "sleep") {
      let cleanup = () => {};
      const outcome = await new Promise<"done" | "timeout" | "abort">((resolve) => {
        const t = setTimeout(() => resolve("done"), Number(args[0] ?? 0) * 1000);
        const t2 = setTimeout(() => resolve("timeout"), limits.timeoutMs);
        const stop = () => resolve("abort");
        this.#sleepers.add(stop);
        spec.signal?.addEventListener("abort", stop, { once: true });
        if (spec.signal?.aborted) stop();
        cleanup = () => {
          clearTimeout(t);
          clearTimeout(t2);
          this.#sleepers.delete(stop);
          spec.signal?.removeEventListener("abort", stop);
        };
      });
      cleanup();
      if (outcome === "done") return ok(result(0));
      return ok(result(null, outcome === "timeout", outcome === "abort"));
    }
    const program = PROGRAMS[name];
    if (!program) {
      emit("err")(`fake sandbox: ${name}: command not found\n`);
      return ok(result(127));
    }
    const stdin = await readInput(spec.stdin);
    const code = program(args, { stdin, out: emit("out"), errOut: emit("err") });
    return ok(result(code));
  }

  async killAll(): Promise<void> {
    for (const stop of [...this.#sleepers]) stop();
  }
}
