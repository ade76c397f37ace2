// The daemon's MCP servers: the manager built from `mcp:` in warden.yaml, with the daemon's sandbox for stdio servers,
// the egress path (the http_request tool's code, decided by the policy as the action {tool: "egress", ...}) for URL
// servers, the egress proxy for `net: proxy`, and the route `GET /v1/mcp` (`warden mcp list`). Nothing here blocks the
// daemon being ready: the MCP code (the SDK with its JSON Schema validator) is loaded only when warden.yaml configures
// a server, and then once the daemon is ready, when `start: daemon` servers start too.
import { tmpdir } from "node:os";
import type { Tool } from "../agent/index.js";
import type { AuditSink } from "../audit/index.js";
import type { Config } from "../config/index.js";
import { createHttpRequestTool } from "../egress/index.js";
import type { Route } from "../gateway/index.js";
import type { Logger } from "../log/index.js";
import type { McpManager } from "../mcp/index.js";
import type { PolicyWatcher } from "../policy/index.js";
import type { Sandbox } from "../sandbox/index.js";
import type { SecretRedactor, SecretStore } from "../secrets/index.js";
import { egressDeps, policyDecide } from "./egress.js";

export interface McpWiring {
  config: Config;
  uid: number;
  log: Logger;
  redactor: SecretRedactor;
  secrets: SecretStore;
  audit: AuditSink;
  policy: PolicyWatcher;
  sandbox: Sandbox;
  /** The daemon's egress proxy, for `net: proxy` servers. */
  egress?: { socketPath: string; token: string };
  /** Runs a step once the daemon answers its API (default: once the event loop is free). */
  afterReady?(step: () => void): void;
}

/** What the daemon uses of the manager; without servers a stand-in that offers nothing and changes nothing. */
export type McpTools = Pick<McpManager, "tools" | "status" | "prepare" | "halt" | "stop">;

export interface DaemonMcp {
  manager: McpTools;
  routes: Route[];
}

const NO_SERVERS: McpTools = {
  tools: () => [],
  status: () => [],
  prepare: async () => {},
  halt: async () => {},
  stop: async () => {},
};

export async function startMcp(w: McpWiring): Promise<DaemonMcp> {
  const manager = Object.keys(w.config.mcp.servers).length === 0 ? NO_SERVERS : deferred(w);
  const routes: Route[] = [
    { method: "GET", path: "/v1/mcp", handler: () => ({ body: { servers: manager.status() } }) },
  ];
  return { manager, routes };
}

/**
 * The manager, loaded once the daemon is ready (the SDK builds hundreds of schemas when it loads: ~200 ms here) or
 * when a task needs it first. Until then it offers no tools and lists the servers as stopped.
 */
function deferred(w: McpWiring): McpTools {
  let loaded: McpManager | undefined;
  let loading: Promise<McpManager> | undefined;
  const load = () => {
    loading ??= startManager(w).then((m) => {
      loaded = m;
      return m;
    });
    return loading;
  };
  (w.afterReady ?? setImmediate)(() => {
    load().then(
      (m) => m.startBackground(),
      (e: unknown) => w.log.error({ err: e }, "MCP servers could not be loaded"),
    );
  });
  return {
    tools: () => loaded?.tools() ?? [],
    status: () =>
      loaded?.status() ??
      Object.entries(w.config.mcp.servers).map(([name, s]) => ({
        name,
        kind: s.command ? ("stdio" as const) : ("http" as const),
        state: s.enabled ? ("stopped" as const) : ("disabled" as const),
        tools: [],
        refused: [],
        crashes: 0,
      })),
    prepare: async () => {
      await (await load()).prepare();
    },
    halt: async (reason) => {
      await loaded?.halt(reason);
    },
    stop: async () => {
      await (await loading?.catch(() => undefined))?.stop();
    },
  };
}

async function startManager(w: McpWiring): Promise<McpManager> {
  const { McpManager } = await import("../mcp/index.js");
  // The same egress path as the proxy and http_request (trust, resolver, guard, bindings), audited as via "mcp".
  const http = createHttpRequestTool(egressDeps(w, policyDecide(w.policy), "mcp"));
  const log = w.log.child({ domain: "mcp" });
  const manager = new McpManager(w.config.mcp, {
    sandbox: w.sandbox,
    sandboxConfig: w.config.sandbox,
    secret: (name) => w.secrets.get(name),
    http,
    ...(w.egress ? { proxy: () => w.egress } : {}),
    scratchParent: tmpdir(),
    ...(w.uid === 0 ? { owner: { uid: w.config.sandbox.runAsUid, gid: w.config.sandbox.runAsGid } } : {}),
    redact: (t) => w.redactor.redact(t),
    log,
    audit: (type, data) => {
      void w.audit.append({ type, actor: "warden", data }).catch(() => undefined); // the sink reports its own failures
    },
  });
  return manager;
}

interface ToolDeps {
  tools: readonly Tool<unknown>[];
}

/**
 * The runner's deps with the MCP tools added: `tools` is read when each task starts, so a task sees the servers'
 * current listings. Decisions stay the policy engine's alone: an MCP tool's Action carries its server's read-only
 * mark, and the engine asks for a tool without it under a broad rule, so `warden policy check` and a run agree.
 */
export function withMcpTools<D extends ToolDeps>(mcp: DaemonMcp, deps: D): D {
  const builtins = deps.tools;
  const out = { ...deps };
  Object.defineProperty(out, "tools", { enumerable: true, get: () => [...builtins, ...mcp.manager.tools()] });
  return out;
}
