// One configured MCP server: starting it (a sandboxed process or an HTTP endpoint behind egress), the handshake and
// its tool list, calls with a timeout, and its life after: a crash marks it failed with the reason and it is started
// again at its next use (or by a timer for `start: daemon` servers) no sooner than an exponential backoff allows.
// stop() ends it for good; when it resolves no process of the server is alive. Never throws for a server failure:
// callers get results with a reason that is safe to show (redacted).
import { chown, mkdtemp, rm } from "node:fs/promises";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import type { ToolOutput } from "../agent/index.js";
import type { HttpTool } from "../egress/index.js";
import type { Sandbox, SandboxConfig } from "../sandbox/index.js";
import { SERVER_OUTPUT_BYTES, stdioCommand } from "./command.js";
import { isStdio, type McpConfig, type McpServerConfig, type StdioServerConfig } from "./config.js";
import { egressFetch } from "./http.js";
import { type ListedTool, listTools } from "./listing.js";
import { callValue } from "./result.js";
import { type Ended, SandboxTransport } from "./stdio.js";

const MAX_BACKOFF_MS = 60_000;
const MAX_LIST_PAGES = 16;
const STDERR_TAIL = 5;

export type ServerState = "stopped" | "starting" | "ready" | "failed" | "disabled";

export interface McpLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ConnectionDeps {
  sandbox: Sandbox;
  sandboxConfig: SandboxConfig;
  limits: Omit<McpConfig, "servers">;
  /** A secret's value, for `secret:NAME` in a stdio server's env; undefined when there is none. */
  secret(name: string): Promise<string | undefined>;
  /** The egress path for URL servers (the http_request tool's code with the daemon's policy and checks). */
  http?: Pick<HttpTool, "run">;
  /** The egress proxy for `net: proxy` servers; undefined when the daemon runs none. */
  proxy?: () => { socketPath: string; token?: string } | undefined;
  /** Where scratch workspaces are made (outside Warden's home). */
  scratchParent: string;
  /** The sandbox uid/gid when Warden runs as root: a scratch workspace is given to it. */
  owner?: { uid: number; gid: number };
  /** Hides secret values in reasons and log lines. */
  redact(text: string): string;
  log: McpLog;
  /** Lifecycle events for the audit log: mcp.server.ready, mcp.server.failed, mcp.server.stopped. Must not throw. */
  audit?: (type: string, data: Record<string, unknown>) => void;
  clock?: () => number;
}

export interface ServerStatus {
  name: string;
  kind: "stdio" | "http";
  state: ServerState;
  reason?: string;
  tools: { name: string; readOnly: boolean }[];
  refused: { tool: string; reason: string }[];
  crashes: number;
  retryAt?: number;
}

type Ready = { ok: true; tools: readonly ListedTool[] } | { ok: false; reason: string };

export class McpConnection {
  readonly name: string;
  readonly config: McpServerConfig;
  readonly #deps: ConnectionDeps;
  #state: ServerState;
  #reason: string | undefined;
  #tools: ListedTool[] = [];
  #refused: { tool: string; reason: string }[] = [];
  #crashes = 0;
  #readyAt = 0;
  #retryAt = 0;
  #client: Client | undefined;
  #transport: Transport | undefined;
  #scratch: string | undefined;
  #starting: Promise<Ready> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stderr: string[] = [];
  #closed = false;

  constructor(name: string, config: McpServerConfig, deps: ConnectionDeps) {
    this.name = name;
    this.config = config;
    this.#deps = deps;
    this.#state = config.enabled ? "stopped" : "disabled";
  }

  get state(): ServerState {
    return this.#state;
  }

  /** The tools of the last successful listing (empty until the server was ready once). */
  get tools(): readonly ListedTool[] {
    return this.#tools;
  }

  status(): ServerStatus {
    return {
      name: this.name,
      kind: isStdio(this.config) ? "stdio" : "http",
      state: this.#state,
      ...(this.#reason ? { reason: this.#reason } : {}),
      tools: this.#tools.map((t) => ({ name: t.name, readOnly: t.readOnly })),
      refused: this.#refused,
      crashes: this.#crashes,
      ...(this.#state === "failed" && this.#retryAt > this.#now() ? { retryAt: this.#retryAt } : {}),
    };
  }

  /** Start the server if it is not running (and its backoff allows); resolves with its tools or the reason. */
  ensure(): Promise<Ready> {
    if (this.#state === "disabled") return Promise.resolve({ ok: false, reason: "the server is disabled in config" });
    if (this.#closed) return Promise.resolve({ ok: false, reason: "Warden is stopping" });
    if (this.#state === "ready") return Promise.resolve({ ok: true, tools: this.#tools });
    if (this.#starting) return this.#starting;
    const wait = this.#retryAt - this.#now();
    if (this.#state === "failed" && wait > 0)
      return Promise.resolve({
        ok: false,
        reason: `the server is down (${this.#reason ?? "unknown"}); next start in ${Math.ceil(wait / 1000)} s`,
      });
    this.#starting = this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  /** Call one tool with validated arguments. The value is untrusted content from the server. */
  async call(tool: ListedTool, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutput> {
    const ready = await this.ensure();
    if (!ready.ok) return fail("MCP_SERVER_DOWN", `MCP server ${this.name}: ${ready.reason}`);
    const current = ready.tools.find((t) => t.name === tool.name);
    if (!current) return fail("MCP_TOOL_GONE", `MCP server ${this.name} no longer lists ${tool.remote}`);
    if (current.fingerprint !== tool.fingerprint)
      return fail("MCP_TOOL_CHANGED", `MCP server ${this.name} changed ${tool.remote}; start a new task to use it`);
    const client = this.#client;
    if (!client) return fail("MCP_SERVER_DOWN", `MCP server ${this.name} is not running`);
    // A signal of the call's own: the SDK adds an abort listener per request and never removes it, so the task's
    // signal (shared by every call of the task) would collect one per call.
    const own = new AbortController();
    const onAbort = () => own.abort(signal.reason);
    if (signal.aborted) own.abort(signal.reason);
    else signal.addEventListener("abort", onAbort, { once: true });
    try {
      const result = await client.callTool({ name: tool.remote, arguments: args }, undefined, {
        timeout: this.#deps.limits.callTimeoutMs,
        signal: own.signal,
      });
      const value = callValue(result as Record<string, unknown>, this.#deps.limits.maxResultBytes);
      return { ok: true, untrusted: true, value: { server: this.name, tool: tool.remote, ...value } };
    } catch (e) {
      // The server ended under the call: say why it ended rather than "connection closed".
      const ended = this.#client !== client ? this.#reason : undefined;
      const why = ended ?? this.#deps.redact(String((e as Error)?.message ?? e).slice(0, 500));
      return fail(signal.aborted ? "CANCELLED" : "MCP_CALL_FAILED", `MCP server ${this.name}: ${why}`);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Stop for good (daemon stop, halt): kills the server; nothing restarts it. */
  async stop(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#starting?.catch(() => undefined);
    if (this.#client) this.#deps.audit?.("mcp.server.stopped", { server: this.name, reason: "Warden is stopping" });
    await this.#teardown();
    if (this.#state !== "disabled") this.#state = "stopped";
  }

  /** Kill the server now (halt) but let a later use start it again. */
  async kill(reason: string): Promise<void> {
    if (this.#client) this.#deps.audit?.("mcp.server.stopped", { server: this.name, reason });
    await this.#teardown();
    if (this.#state === "ready" || this.#state === "starting") {
      this.#state = "stopped";
      this.#reason = reason;
    }
  }

  async #start(): Promise<Ready> {
    this.#state = "starting";
    this.#reason = undefined;
    this.#stderr = [];
    const made = await this.#transportFor();
    if (!made.ok) return this.#failed(made.reason);
    const transport = made.transport;
    const client = new Client(
      { name: "warden", version: "1" },
      // Output schemas from the server are not run: the result is shown as text, never trusted for its shape.
      {
        capabilities: {},
        jsonSchemaValidator: {
          getValidator: () => (input) => ({ valid: true, data: input as never, errorMessage: undefined }),
        },
      },
    );
    this.#client = client;
    this.#transport = transport;
    client.onclose = () => this.#onClose(client);
    client.onerror = (e) =>
      this.#deps.log.warn({ server: this.name, err: this.#deps.redact(e.message) }, "MCP server error");
    const timeout = this.#deps.limits.startTimeoutMs;
    try {
      await client.connect(transport, { timeout });
      const tools: McpTool[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const r = await client.listTools(cursor ? { cursor } : undefined, { timeout });
        tools.push(...r.tools);
        if (!r.nextCursor || tools.length > this.#deps.limits.maxToolsPerServer) break;
        cursor = r.nextCursor;
      }
      const listing = listTools(this.name, tools, {
        maxTools: this.#deps.limits.maxToolsPerServer,
        maxSchemaBytes: this.#deps.limits.maxSchemaBytes,
        hide: this.config.hideTools,
      });
      if (!listing.ok) {
        await this.#teardown();
        return this.#failed(listing.reason);
      }
      for (const r of listing.refused)
        this.#deps.log.warn({ server: this.name, tool: r.tool, reason: r.reason }, "MCP tool refused");
      if (this.#client !== client) return this.#failed(this.#reason ?? "the server ended while starting");
      this.#tools = listing.tools;
      this.#refused = listing.refused;
      this.#state = "ready";
      this.#reason = undefined;
      this.#readyAt = this.#now();
      this.#deps.log.info({ server: this.name, tools: this.#tools.length }, "MCP server ready");
      this.#deps.audit?.("mcp.server.ready", {
        server: this.name,
        tools: this.#tools.map((t) => t.name),
        refused: this.#refused.map((r) => r.tool),
      });
      return { ok: true, tools: this.#tools };
    } catch (e) {
      const ended = this.#ended() ?? (this.#client !== client ? this.#reason : undefined);
      const why = ended ?? this.#deps.redact(String((e as Error)?.message ?? e).slice(0, 500));
      await this.#teardown();
      return this.#failed(why);
    }
  }

  async #transportFor(): Promise<{ ok: true; transport: Transport } | { ok: false; reason: string }> {
    const c = this.config;
    if (!isStdio(c)) {
      if (!this.#deps.http || c.url === undefined) return { ok: false, reason: "no egress path for HTTP MCP servers" };
      const transport = new StreamableHTTPClientTransport(new URL(c.url), {
        fetch: egressFetch(this.#deps.http),
        requestInit: { headers: c.headers ?? {} },
      });
      return { ok: true, transport };
    }
    const spec = await this.#command(c);
    if (!spec.ok) return spec;
    const transport = new SandboxTransport(this.#deps.sandbox, spec.command, {
      onStderr: (line) => {
        const safe = this.#deps.redact(line);
        this.#stderr = [...this.#stderr.slice(1 - STDERR_TAIL), safe];
        this.#deps.log.info({ server: this.name, stderr: safe }, "MCP server stderr");
      },
    });
    return { ok: true, transport };
  }

  async #command(c: StdioServerConfig) {
    let workspace = c.workspace;
    if (workspace === undefined) {
      if (this.#scratch === undefined) {
        const dir = await mkdtemp(`${this.#deps.scratchParent}/warden-mcp-${this.name}-`);
        if (this.#deps.owner) await chown(dir, this.#deps.owner.uid, this.#deps.owner.gid);
        this.#scratch = dir;
      }
      workspace = this.#scratch;
    }
    return stdioCommand(c, workspace, this.#deps);
  }

  /** The server ended on its own (or we closed it): failed with the reason, a restart scheduled by the backoff. */
  #onClose(client: Client): void {
    if (this.#client !== client) return;
    const ended = this.#ended();
    const reason = ended ?? "the server closed the connection";
    this.#client = undefined;
    this.#transport = undefined;
    if (this.#closed || this.#state === "stopped") return;
    // Tools stay listed: a task that still offers them gets a clear "server down" answer, or a restarted server.
    if (this.#state === "ready") {
      this.#deps.log.warn({ server: this.name, reason }, "MCP server ended");
      if (this.#now() - this.#readyAt > MAX_BACKOFF_MS) this.#crashes = 0; // it ran well for a while
      this.#failed(reason);
    } else if (ended) {
      this.#reason = ended; // #start reports it (a bare close says less than the error #start caught)
    }
  }

  #failed(reason: string): Ready {
    this.#crashes += 1;
    this.#state = "failed";
    this.#reason = reason;
    const delay = Math.min(MAX_BACKOFF_MS, this.#deps.limits.restartBackoffMs * 2 ** (this.#crashes - 1));
    this.#retryAt = this.#now() + delay;
    this.#deps.log.warn({ server: this.name, reason, retryInMs: delay }, "MCP server failed");
    this.#deps.audit?.("mcp.server.failed", { server: this.name, reason, crashes: this.#crashes, retryInMs: delay });
    if (this.config.start === "daemon" && !this.#closed) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.ensure(), delay + 10);
      this.#timer.unref();
    }
    return { ok: false, reason };
  }

  /** Why the transport ended, when it did (stdio), with the last lines of stderr. */
  #ended(): string | undefined {
    const t = this.#transport;
    const ended: Ended | undefined = t instanceof SandboxTransport ? t.ended : undefined;
    if (!ended || ended.by === "close") return undefined;
    const tail = this.#stderr.length > 0 ? `; stderr: ${this.#stderr.join(" | ")}` : "";
    if (ended.by === "exit") {
      const r = ended.result;
      const how = r.timedOut
        ? "ran past its lifetime"
        : r.truncated
          ? `wrote more than ${SERVER_OUTPUT_BYTES} bytes`
          : `exited with code ${r.exitCode}`;
      return `the server ${how}${tail}`;
    }
    return this.#deps.redact(`${ended.reason}${tail}`);
  }

  async #teardown(): Promise<void> {
    const client = this.#client;
    const transport = this.#transport;
    this.#client = undefined;
    this.#transport = undefined;
    try {
      await (client ? client.close() : transport?.close());
    } catch {
      // closing a broken connection can fail; the transport still killed the process
    }
    if (this.#closed && this.#scratch) {
      await rm(this.#scratch, { recursive: true, force: true }).catch(() => undefined);
      this.#scratch = undefined;
    }
  }

  #now(): number {
    return (this.#deps.clock ?? Date.now)();
  }
}

function fail(code: string, reason: string): ToolOutput {
  return { ok: false, error: { code, reason } };
}
