// Every configured MCP server, and their tools as agent tools. The daemon asks for `tools()` when a task starts (after
// `prepare()` has started the servers that were not running); `start: daemon` servers are started in the background
// by `startBackground()`, which never delays the daemon being ready. `halt()` kills every server (they start again
// at their next use); `stop()` kills them for good.
import type { Tool } from "../agent/index.js";
import type { McpConfig } from "./config.js";
import { type ConnectionDeps, McpConnection, type ServerStatus } from "./connection.js";
import type { ListedTool } from "./listing.js";
import { agentTool } from "./tools.js";

export class McpManager {
  readonly #connections: McpConnection[];
  /** Agent tools per listing, so a task sees the same objects as long as the listing is the same. */
  readonly #cache = new WeakMap<readonly ListedTool[], Tool<unknown>[]>();

  constructor(config: McpConfig, deps: Omit<ConnectionDeps, "limits">) {
    const { servers, ...limits } = config;
    this.#connections = Object.entries(servers).map(
      ([name, server]) => new McpConnection(name, server, { ...deps, limits }),
    );
  }

  get size(): number {
    return this.#connections.length;
  }

  /** Start the enabled servers that are not running (each bounded by startTimeoutMs); failures are in status(). */
  async prepare(): Promise<void> {
    await Promise.all(this.#connections.map((c) => c.ensure()));
  }

  /** Start `start: daemon` servers without waiting for them. */
  startBackground(): void {
    for (const c of this.#connections) if (c.config.start === "daemon") void c.ensure();
  }

  /** The agent tools of every server that listed its tools at least once. */
  tools(): Tool<unknown>[] {
    const out: Tool<unknown>[] = [];
    for (const c of this.#connections) {
      if (c.state === "disabled") continue;
      const listed = c.tools;
      let tools = this.#cache.get(listed);
      if (!tools) {
        tools = listed.map((t) => agentTool(c, t));
        this.#cache.set(listed, tools);
      }
      out.push(...tools);
    }
    return out;
  }

  status(): ServerStatus[] {
    return this.#connections.map((c) => c.status());
  }

  async halt(reason: string): Promise<void> {
    await Promise.all(this.#connections.map((c) => c.kill(reason)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#connections.map((c) => c.stop()));
  }
}
