// TLS interception for CONNECT tunnels: the proxy answers the sandboxed client's handshake with a certificate for the
// CONNECT host minted by the daemon's CA, reads the HTTP requests inside, and forwards each one exactly like a plain
// HTTP request (guard, policy on method and path, address check, injection of bound secrets), over its own TLS
// connection that verifies the real server's certificate against the host name. The CA key never leaves the daemon.
// Only HTTP/1.1 is spoken inside (ALPN); protocol upgrades are refused.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { CertificateAuthority } from "./ca.js";
import { passesThrough } from "./config.js";
import { auditSafely, type EgressDeps } from "./deps.js";
import { answerDenied, forwardRequest } from "./forward.js";
import type { AgentPool } from "./pool.js";
import { hostHeader } from "./send.js";
import { parseUrl, type Target } from "./target.js";

export interface TunnelEnd {
  readonly host: string;
  readonly port: number;
  readonly ip: boolean;
}

/** Contract: `serve` takes ownership of the client socket; `close` ends every intercepted connection. */
export interface Interceptor {
  /** Whether a CONNECT to host:port is intercepted (false: configured as an opaque pass-through tunnel). */
  covers(host: string, port: number): boolean;
  /** Terminate TLS on `client`, whose first bytes (`hello`, the ClientHello) were already read, and serve HTTP. */
  serve(client: Socket, hello: Buffer, end: TunnelEnd): void;
  close(): void;
}

export function createInterceptor(deps: EgressDeps, authority: CertificateAuthority, pool: AgentPool): Interceptor {
  const ends = new WeakMap<Socket, TunnelEnd>();
  const open = new Set<Socket>();
  const inner = createServer((req, res) => {
    handleInner(deps, pool, ends.get(req.socket), req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  inner.on("upgrade", (req: IncomingMessage, socket: Socket) => {
    const end = ends.get(socket);
    auditSafely(deps, {
      type: "egress.denied",
      via: "proxy",
      scheme: "https",
      ...(end ? { host: end.host, port: end.port } : {}),
      method: req.method ?? "",
      reason: "protocol upgrades are not proxied",
    });
    socket.end("HTTP/1.1 403 Forbidden\r\nx-warden-egress: denied\r\ncontent-length: 0\r\n\r\n");
  });
  inner.on("clientError", (_e, socket: Socket) => socket.destroy());

  return {
    covers: (host, port) => !passesThrough(deps.config.tls.passThrough, host, port),
    serve(client, hello, end) {
      // Bytes read before the TLS layer existed go back into the socket; TLSSocket consumes buffered data first.
      client.unshift(hello);
      const tls = new TLSSocket(client, {
        isServer: true,
        secureContext: authority.contextFor(end.host),
        ALPNProtocols: ["http/1.1"],
      });
      let secure = false;
      let failure: string | undefined;
      open.add(tls);
      // A client that starts a handshake and never finishes it does not hold the connection (the HTTP server's own
      // timeouts take over once the handshake is done).
      tls.setTimeout(deps.config.timeoutMs, () => {
        failure ??= "timed out";
        tls.destroy();
      });
      tls.on("error", (e: NodeJS.ErrnoException) => {
        failure ??= e.code ?? "error";
        tls.destroy();
      });
      // The proxy's sockets allow half-open connections (HTTP needs them); a client hanging up mid-handshake does not.
      tls.once("end", () => {
        if (!secure) tls.destroy();
      });
      tls.once("close", () => {
        open.delete(tls);
        client.destroy();
        // A client that rejects the certificate often just hangs up (TLS 1.3 clients verify after the server is done).
        if (!secure) {
          auditSafely(deps, {
            type: "egress.error",
            via: "proxy",
            scheme: "https",
            host: end.host,
            port: end.port,
            method: "CONNECT",
            reason:
              failure === "timed out"
                ? "TLS handshake with the sandboxed client timed out"
                : `TLS handshake with the sandboxed client failed (${failure ?? "closed by the client"}): does it trust the Warden CA?`,
          });
        }
      });
      tls.once("secure", () => {
        secure = true;
        tls.setTimeout(0);
        ends.set(tls, end);
        inner.emit("connection", tls);
      });
    },
    close() {
      for (const s of open) s.destroy();
      open.clear();
      inner.closeAllConnections();
    },
  };
}

async function handleInner(
  deps: EgressDeps,
  pool: AgentPool,
  end: TunnelEnd | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (end === undefined) return answerDenied(res, 500, "unknown tunnel");
  const refuse = (status: number, reason: string) => {
    auditSafely(deps, {
      type: "egress.denied",
      via: "proxy",
      scheme: "https",
      host: end.host,
      port: end.port,
      method: req.method ?? "",
      reason: deps.scanner.redact(reason),
    });
    answerDenied(res, status, deps.scanner.redact(reason));
  };
  const url = req.url ?? "";
  if (!url.startsWith("/")) return refuse(400, "inside a tunnel only origin-form requests (/path) are served");
  const expected: Target = { scheme: "https", host: end.host, port: end.port, path: "/", search: "", ip: end.ip };
  const authority = hostHeader(expected);
  // The Host header inside TLS must name the tunnel's host: a request for another name served from the same address
  // (domain fronting) is refused now that it is visible.
  const host = String(req.headers.host ?? "")
    .toLowerCase()
    .replace(/\.(?=:|$)/, "");
  if (host !== authority && host !== `${authority}:${end.port}`) {
    return refuse(403, `Host header ${JSON.stringify(host)} differs from the tunnel's host ${authority}`);
  }
  const parsed = parseUrl(`https://${authority}${url}`);
  if (!parsed.ok) return refuse(403, parsed.reason);
  if (parsed.value.host !== end.host || parsed.value.port !== end.port) return refuse(403, "request leaves the tunnel");
  await forwardRequest(deps, pool, parsed.value, req, res);
}
