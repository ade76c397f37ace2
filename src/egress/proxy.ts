// The egress proxy the sandbox talks to: plain HTTP in absolute form (each request goes through the same hop as the
// http_request tool: guard, policy, address check, injection) and CONNECT tunnels (policy and address check on
// host:port, then an opaque TLS stream: no injection and no guard inside, see docs/egress.md). Listens on a unix
// socket and/or 127.0.0.1; never on another interface. It never follows redirects: the client asks again, and that
// request is checked again.
import { chmod, unlink } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { authorized } from "./auth.js";
import { auditSafely, type EgressDeps } from "./deps.js";
import { performHop } from "./hop.js";
import { type AgentPool, createAgentPool } from "./pool.js";
import { isTextual } from "./send.js";
import { parseUrl } from "./target.js";
import { handleConnect } from "./tunnel.js";

export interface ProxyOptions {
  /** Listen on this unix socket path (the sandbox binds it in). */
  readonly socketPath?: string;
  /** Also (or only) listen on 127.0.0.1 with an OS-chosen port. */
  readonly tcp?: boolean;
  /** Mode of the unix socket file (default 0600: only the daemon's user may connect). */
  readonly socketMode?: number;
  /** If set, clients must send `Proxy-Authorization: Bearer <token>` (or Basic with the token as password). */
  readonly token?: string;
}

export interface EgressProxy {
  /** `http://127.0.0.1:PORT` when listening on TCP. */
  readonly url: string | undefined;
  readonly socketPath: string | undefined;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "expect",
]);

export async function startEgressProxy(deps: EgressDeps, options: ProxyOptions): Promise<EgressProxy> {
  if (options.socketPath === undefined && options.tcp !== true) throw new Error("the proxy needs a socket path or tcp");
  const pool = createAgentPool();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handleHttp(deps, options, pool, req, res).catch(() => {
      // Every expected failure is answered inside; this is a last resort so a bug cannot leave a client hanging.
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  const onConnect = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handleConnect(deps, options, req, socket as Socket, head).catch(() => socket.destroy());
  };
  const servers: Server[] = [];
  let url: string | undefined;
  if (options.tcp) {
    const s = createServer(handler).on("connect", onConnect);
    await listen(s, (cb) => s.listen(0, "127.0.0.1", cb));
    const addr = s.address();
    url = typeof addr === "object" && addr !== null ? `http://127.0.0.1:${addr.port}` : undefined;
    servers.push(s);
  }
  if (options.socketPath !== undefined) {
    const path = options.socketPath;
    await unlink(path).catch(() => undefined); // a stale socket from a crashed daemon; a real file would fail listen
    const s = createServer(handler).on("connect", onConnect);
    await listen(s, (cb) => s.listen(path, cb));
    servers.push(s);
    await chmod(path, options.socketMode ?? 0o600);
  }
  return {
    url,
    socketPath: options.socketPath,
    async close() {
      pool.destroy();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

function listen(server: Server, start: (cb: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    start(() => {
      server.off("error", reject);
      resolve();
    });
  });
}

async function handleHttp(
  deps: EgressDeps,
  options: ProxyOptions,
  pool: AgentPool,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const answer = (status: number, reason: string) => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-warden-egress": "denied" });
    res.end(`warden egress: ${reason}\n`);
  };
  if (!authorized(options, req)) {
    res.writeHead(407, { "proxy-authenticate": 'Bearer realm="warden"' }).end();
    return;
  }
  const rawUrl = req.url ?? "";
  if (!/^http:\/\//i.test(rawUrl)) {
    const reason = /^https:\/\//i.test(rawUrl) ? "use CONNECT for https" : "only absolute http:// URLs are proxied";
    auditSafely(deps, { type: "egress.denied", via: "proxy", method: req.method ?? "", reason });
    return answer(400, reason);
  }
  const parsed = parseUrl(rawUrl);
  if (!parsed.ok) {
    auditSafely(deps, { type: "egress.denied", via: "proxy", method: req.method ?? "", reason: parsed.reason });
    return answer(403, deps.scanner.redact(parsed.reason));
  }
  const refuse = (status: number, reason: string) => {
    const t = parsed.value;
    auditSafely(deps, {
      type: "egress.denied",
      via: "proxy",
      host: t.host,
      port: t.port,
      method: req.method ?? "",
      reason,
    });
    answer(status, reason);
  };
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  if (encoding !== "identity") return refuse(415, "compressed request bodies are refused (the guard must read them)");
  if (req.headers.upgrade !== undefined) return refuse(403, "protocol upgrades are not proxied");
  const body = await readRequestBody(req, deps.config.maxRequestBodyBytes);
  if (body === undefined) return refuse(413, "request body too large");
  // Headers named in Connection are hop-by-hop too (RFC 9110, 7.6.1).
  const named = new Set(
    String(req.headers.connection ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase()),
  );
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (!HOP_BY_HOP.has(lower) && !named.has(lower)) headers.push([name, req.rawHeaders[i + 1]!]);
  }
  const method = req.method ?? "GET";
  const hop = await performHop(
    deps,
    "proxy",
    { target: parsed.value, headers, ...(body.length > 0 ? { body } : {}) },
    method,
    pool,
  );
  if (!hop.ok) return answer(hop.code === "EGRESS_DENIED" ? 403 : hop.code === "TIMEOUT" ? 504 : 502, hop.reason);
  await relayResponse(deps, hop.response, res);
}

async function readRequestBody(req: IncomingMessage, cap: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > cap) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Stream the answer back, capped; textual uncompressed bodies are redacted on the way (an echoed secret stays hidden). */
async function relayResponse(deps: EgressDeps, up: IncomingMessage, res: ServerResponse): Promise<void> {
  const encoding = String(up.headers["content-encoding"] ?? "identity").toLowerCase();
  const redact = encoding === "identity" && isTextual(up.headers["content-type"]);
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(up.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || (redact && k === "content-length")) continue;
    headers[k] = Array.isArray(v) ? v.map((x) => deps.scanner.redact(x)) : deps.scanner.redact(v);
  }
  if (!redact && up.headers["content-length"] !== undefined) headers["content-length"] = up.headers["content-length"];
  res.writeHead(up.statusCode ?? 502, headers);
  const stream = deps.scanner.stream();
  const decoder = new StringDecoder("utf8");
  let bytes = 0;
  const cap = deps.config.proxyMaxResponseBytes;
  for await (const chunk of up as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > cap) {
      auditSafely(deps, { type: "egress.response", via: "proxy", status: up.statusCode ?? 0, bytes, truncated: true });
      up.destroy();
      res.destroy();
      return;
    }
    const out = redact ? stream.push(decoder.write(chunk)) : chunk;
    if (out.length > 0 && !res.write(out)) {
      await new Promise((resolve) => res.once("drain", resolve));
    }
  }
  if (redact) res.write(stream.push(decoder.end()) + stream.end());
  res.end();
  auditSafely(deps, { type: "egress.response", via: "proxy", status: up.statusCode ?? 0, bytes, truncated: false });
}
