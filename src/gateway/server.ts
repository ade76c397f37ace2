// The control plane: an HTTP API and a WebSocket event stream on a loopback address. Every request must carry the
// bearer token; a missing or wrong token gets 401 and is reported to `onAuthFailure` (logged and audited by the
// daemon). It must never bind a non-loopback address: the config refuses one, and this checks again at bind time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { WebSocketServer } from "ws";
import { isLoopbackHost } from "../config/index.js";
import { toWardenError, WardenError } from "../errors.js";
import { bearerFrom, hostAllowed, tokenMatches } from "./auth.js";
import type { EventBus } from "./events.js";
import type { Router } from "./router.js";

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_WS_BUFFER = 4 * 1024 * 1024;

export interface AuthFailure {
  remote: string;
  method: string;
  path: string;
  reason: "missing token" | "wrong token" | "bad host";
}

export interface GatewayOptions {
  host: string;
  port: number;
  token: string;
  router: Router;
  events: EventBus;
  onAuthFailure(failure: AuthFailure): void;
  onError(error: unknown, where: string): void;
}

export interface Gateway {
  readonly port: number;
  readonly url: string;
  /**
   * Stop taking work: no new connections, and a request that arrives now gets 503; requests in flight go on, so a
   * client waiting on a task still gets its answer while the daemon shuts down.
   */
  quiesce(): void;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  if (!isLoopbackHost(options.host)) {
    throw new WardenError("BIND_REFUSED", `refusing to listen on ${options.host}: not a loopback address`, {
      fix: "set gateway.host to 127.0.0.1; for remote access use an SSH tunnel",
    });
  }
  let port = options.port;
  let stopping = false;
  const server = createServer((req, res) => {
    if (stopping) return send(res, 503, { error: { code: "NOT_RUNNING", message: "the daemon is stopping" } });
    void handle(req, res, options, port);
  });
  // The WebSocket library is loaded by the first event-stream client, not at start: many runs never have one.
  let wss: WebSocketServer | undefined;
  let loading: Promise<WebSocketServer> | undefined;
  let closed = false;
  const events = () =>
    (loading ??= import("ws").then(({ WebSocketServer }) => {
      wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
      return wss;
    }));
  const unsubscribe = options.events.subscribe((event) => {
    if (!wss?.clients.size) return;
    const frame = JSON.stringify(event);
    for (const client of wss.clients) {
      // A client that cannot keep up is dropped rather than buffered without bound.
      if (client.bufferedAmount > MAX_WS_BUFFER) client.terminate();
      else client.send(frame);
    }
  });
  server.on("upgrade", (req, socket, head) =>
    stopping ? socket.destroy() : upgrade(req, socket, head, events, () => closed, options, port),
  );
  server.on("clientError", (_e, socket) => socket.destroy());

  // The server stops listening once, whether quiesce or close asks first; resolves when its last connection is gone.
  let shutting: Promise<void> | undefined;
  const shut = () => (shutting ??= new Promise<void>((resolve) => server.close(() => resolve())));

  await listen(server, options.host, options.port);
  port = (server.address() as AddressInfo).port;
  const host = options.host.includes(":") && !options.host.startsWith("[") ? `[${options.host}]` : options.host;
  return {
    port,
    url: `http://${host}:${port}`,
    quiesce() {
      stopping = true;
      void shut();
      server.closeIdleConnections();
    },
    async close() {
      closed = true;
      unsubscribe();
      if (wss) {
        for (const client of wss.clients) client.close(1001, "daemon stopping");
        wss.close();
      }
      stopping = true;
      const shutDown = shut();
      server.closeAllConnections();
      await shutDown;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (e.code === "EADDRINUSE") {
        reject(
          new WardenError(
            "PORT_IN_USE",
            `port ${port} on ${host} is already in use`,
            { fix: `stop whatever listens there (ss -ltnp 'sport = :${port}') or set gateway.port in warden.yaml` },
            { cause: e },
          ),
        );
      } else reject(toWardenError(e));
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host.replace(/^\[|\]$/g, ""));
  });
}

function authenticate(req: IncomingMessage, options: GatewayOptions, port: number): AuthFailure["reason"] | undefined {
  if (!hostAllowed(req.headers.host, port)) return "bad host";
  const token = bearerFrom(req.headers.authorization);
  if (token === undefined) return "missing token";
  return tokenMatches(token, options.token) ? undefined : "wrong token";
}

async function handle(req: IncomingMessage, res: ServerResponse, options: GatewayOptions, port: number) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = req.method ?? "GET";
  try {
    const failure = authenticate(req, options, port);
    if (failure) {
      options.onAuthFailure({ remote: req.socket.remoteAddress ?? "?", method, path: url.pathname, reason: failure });
      const status = failure === "bad host" ? 421 : 401;
      return send(res, status, { error: { code: "UNAUTHORIZED", message: failure } }, status === 401);
    }
    const found = options.router.match(method, url.pathname);
    if (found === 404) throw new WardenError("NOT_FOUND", `no such endpoint: ${method} ${url.pathname}`);
    if (found === 405) throw new WardenError("BAD_REQUEST", `method ${method} not allowed on ${url.pathname}`);
    const raw = await readBody(req);
    let body: unknown;
    if (found.route.body) {
      const parsed = found.route.body.safeParse(parseJson(raw));
      if (!parsed.success) {
        const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
        throw new WardenError("BAD_REQUEST", `invalid request body: ${detail}`);
      }
      body = parsed.data;
    } else if (raw.length > 0) {
      throw new WardenError("BAD_REQUEST", `${method} ${url.pathname} takes no body`);
    }
    const reply = await found.route.handler({
      method,
      path: url.pathname,
      params: found.params,
      query: url.searchParams,
      body,
    });
    send(res, reply.status ?? 200, reply.body ?? {});
  } catch (e) {
    const error = toWardenError(e);
    if (error.code === "INTERNAL") options.onError(e, `${method} ${url.pathname}`);
    send(res, error.httpStatus, { error: error.toJSON() });
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new WardenError("BAD_REQUEST", `request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new WardenError("BAD_REQUEST", "request body is not valid JSON");
  }
}

function send(res: ServerResponse, status: number, body: unknown, challenge = false) {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  };
  if (challenge) headers["www-authenticate"] = 'Bearer realm="warden"';
  res.writeHead(status, headers).end(text);
}

function upgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  events: () => Promise<WebSocketServer>,
  closed: () => boolean,
  options: GatewayOptions,
  port: number,
): void {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const failure = authenticate(req, options, port);
  if (failure || path !== "/v1/events") {
    if (failure)
      options.onAuthFailure({ remote: req.socket.remoteAddress ?? "?", method: "WS", path, reason: failure });
    const status = failure ? "401 Unauthorized" : "404 Not Found";
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    return;
  }
  // Until ws has loaded, the client's bytes wait in the socket (nothing reads it before handleUpgrade).
  events().then(
    (wss) => {
      // The daemon began stopping while ws loaded: its close() has already closed the clients it knew.
      if (closed()) return void socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.send(JSON.stringify({ type: "hello", ts: new Date().toISOString(), data: {} }));
      });
    },
    (e: unknown) => {
      options.onError(e, "event stream");
      socket.destroy();
    },
  );
}
