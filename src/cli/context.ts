// What every CLI command receives from the composition root: where the home is, how to write output, and the
// process facts commands need. Commands never read process.env or process.argv themselves.
import type { Writable } from "node:stream";
import { toWardenError } from "../errors.js";

export interface CliContext {
  homeRoot: string;
  version: string;
  /** An id of this build's code, set only in the bundle (what the YAML cache keys validated results by). */
  build?: string;
  uid: number;
  /** The directory the user ran warden in. */
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  stdin: NodeJS.ReadableStream;
  /** How to start this same program again (for `warden start` in the background). */
  self: { execPath: string; entry: string; env: NodeJS.ProcessEnv };
  /** Set when this process was started by `warden start` and must report readiness on that fd. */
  readyFd: number | undefined;
  /** What the process exits with when the command returns normally; a command sets it for "ran, but not ok". */
  exitCode: number;
}

export function println(stream: Writable, text = ""): void {
  stream.write(`${text}\n`);
}

export function printJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Print a failed command's error once ("warden: what" plus "  fix: how"; JSON too with --json); its exit code. */
export function reportFailure(e: unknown, ctx: CliContext, json: boolean): number {
  const error = toWardenError(e);
  println(ctx.stderr, `warden: ${error.message}`);
  if (error.details.fix) println(ctx.stderr, `  fix: ${error.details.fix}`);
  if (error.code === "INTERNAL" && e instanceof Error && e.stack) println(ctx.stderr, e.stack);
  if (json) printJson(ctx.stdout, { error: error.toJSON() });
  return error.exitCode;
}
