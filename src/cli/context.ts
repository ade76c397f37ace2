// What every CLI command receives from the composition root: where the home is, how to write output, and the
// process facts commands need. Commands never read process.env or process.argv themselves.
import type { Writable } from "node:stream";

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
