// The egress proxy the sandbox talks to: plain HTTP in absolute form (each request goes through the same hop as the
// http_request tool: guard, policy, address check, injection) and CONNECT. A CONNECT is intercepted when the proxy
// has a certificate authority (TLS terminated here, every request inside checked like plain HTTP, see intercept.ts),
// or passed through as an opaque TLS tunnel for hosts configured so (policy and address check on host:port only).
// Listens on a unix socket and/or 127.0.0.1; never on another interface. It never follows redirects: the client asks
// again, and that request is checked again.
import { chmod, unlink } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { authorized } from "./auth.js";
import type { CertificateAuthority } from "./ca.js";
import { auditSafely, type EgressDeps } from "./deps.js";
import { answerDenied, forwardRequest } from "./forward.js";
import { createInterceptor } from "./intercept.js";
import { type AgentPool, createAgentPool } from "./pool.js";
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
  /**
   * Intercept CONNECT tunnels with certificates from this authority (clients must trust its CA), except for hosts
   * in `egress.tls.passThrough`. Without it every tunnel is opaque.
   */
  readonly authority?: CertificateAuthority;
}

export interface EgressProxy {
  /** `http://127.0.0.1:PORT` when listening on TCP. */
  readonly url: string | undefined;
  readonly socketPath: string | undefined;
  close(): Promise<void>;
}

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
  const interceptor =
    options.authority && deps.config.tls.intercept ? createInterceptor(deps, options.authority, pool) : undefined;
  const onConnect = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handleConnect(deps, options, req, socket as Socket, head, interceptor).catch(() => socket.destroy());
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
      interceptor?.close();
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
  const answer = (status: number, reason: string) => answerDenied(res, status, reason);
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
  await forwardRequest(deps, pool, parsed.value, req, res);
}
