// An MCP SDK Transport over one process run by the Sandbox: JSON-RPC messages, one per line, on the process's stdin
// and stdout; stderr goes to `onStderr` line by line (the caller redacts and logs it). Stdout is a protocol channel
// only: a line that is not a JSON-RPC message, or a line longer than `maxLineBytes`, kills the server (a server that
// writes garbage is broken or hostile, and waiting on it would only turn into timeouts). When close() resolves, no
// process of the server is alive (the Sandbox contract: run settles once everything it started is gone).
import { PassThrough } from "node:stream";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { CommandSpec, RunResult, Sandbox } from "../sandbox/index.js";

export type SandboxedCommand = Omit<CommandSpec, "stdin" | "onStdout" | "onStderr" | "signal">;

export interface SandboxTransportOptions {
  /** One line of the server's stderr, unredacted and at most 2 KiB (longer lines are cut). */
  onStderr?: (line: string) => void;
  /** Longest stdout line accepted (one JSON-RPC message). Default 4 MiB. */
  maxLineBytes?: number;
}

/** Why the server ended, once it did: the transport's own reason (garbage, closed by us) or the run's outcome. */
export type Ended =
  | { by: "close" }
  | { by: "protocol"; reason: string }
  | { by: "exit"; result: RunResult }
  | { by: "sandbox"; reason: string };

const MAX_STDERR_LINE = 2048;

export class SandboxTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  readonly #sandbox: Sandbox;
  readonly #command: SandboxedCommand;
  readonly #options: SandboxTransportOptions;
  readonly #stop = new AbortController();
  readonly #stdin = new PassThrough();
  #reader: ReadBuffer;
  #stderr = "";
  #run: Promise<void> | undefined;
  #ended: Ended | undefined;

  constructor(sandbox: Sandbox, command: SandboxedCommand, options: SandboxTransportOptions = {}) {
    this.#sandbox = sandbox;
    this.#command = command;
    this.#options = options;
    this.#reader = new ReadBuffer({ maxBufferSize: options.maxLineBytes ?? 4 * 1024 * 1024 });
  }

  /** How the server ended; undefined while it runs. */
  get ended(): Ended | undefined {
    return this.#ended;
  }

  async start(): Promise<void> {
    if (this.#run) throw new Error("SandboxTransport already started");
    this.#run = this.#sandbox
      .run({
        ...this.#command,
        stdin: this.#stdin,
        signal: this.#stop.signal,
        onStdout: (chunk) => this.#onStdout(chunk),
        onStderr: (chunk) => this.#onStderr(chunk),
      })
      .then(
        (r) => {
          if (!r.ok) this.#end({ by: "sandbox", reason: `${r.error.message}${fixOf(r.error)}` });
          else this.#end({ by: "exit", result: r.value });
        },
        (e: unknown) => this.#end({ by: "sandbox", reason: (e as Error)?.message ?? String(e) }),
      )
      .finally(() => {
        this.#flushStderr();
        this.onclose?.();
      });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#ended || this.#stdin.destroyed) throw new Error("the MCP server is not running");
    this.#stdin.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.#end({ by: "close" });
    this.#stop.abort();
    this.#stdin.end();
    await this.#run;
  }

  #end(e: Ended): void {
    this.#ended ??= e;
  }

  #onStdout(chunk: Uint8Array): void {
    if (this.#ended) return;
    try {
      this.#reader.append(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      for (;;) {
        const message = this.#reader.readMessage();
        if (message === null) break;
        this.onmessage?.(message);
      }
    } catch (e) {
      // Not JSON, not JSON-RPC, or a line past the cap: the server is unusable. Kill it; onclose follows.
      this.#reader.clear();
      const kind = e instanceof SyntaxError ? "not JSON" : "not a JSON-RPC message, or a line over the size cap";
      const reason = `the server broke the protocol on stdout (${kind})`;
      this.#end({ by: "protocol", reason });
      this.onerror?.(new Error(reason));
      this.#stop.abort();
    }
  }

  #onStderr(chunk: Uint8Array): void {
    this.#stderr += Buffer.from(chunk).toString("utf8");
    for (let nl = this.#stderr.indexOf("\n"); nl >= 0; nl = this.#stderr.indexOf("\n")) {
      this.#emitStderr(this.#stderr.slice(0, nl));
      this.#stderr = this.#stderr.slice(nl + 1);
    }
    if (this.#stderr.length > MAX_STDERR_LINE) {
      this.#emitStderr(this.#stderr);
      this.#stderr = "";
    }
  }

  #flushStderr(): void {
    if (this.#stderr.length > 0) this.#emitStderr(this.#stderr);
    this.#stderr = "";
  }

  #emitStderr(line: string): void {
    const text = line.replace(/\r$/, "").slice(0, MAX_STDERR_LINE);
    if (text.trim() !== "") this.#options.onStderr?.(text);
  }
}

function fixOf(e: { details?: { fix?: string } }): string {
  return e.details?.fix ? ` (fix: ${e.details.fix})` : "";
}
