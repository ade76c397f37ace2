// Test upstreams on 127.0.0.1: an HTTP server that records every request it receives and answers by a route table,
// and a raw TCP echo server for CONNECT tunnels. For tests only (excluded from the build).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { parseClientHello } from "./sni.js";

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type Route = (req: IncomingMessage, body: string, res: ServerResponse) => void;

export interface Upstream extends AsyncDisposable {
  readonly port: number;
  readonly requests: Recorded[];
  route(path: string, handler: Route): void;
}

/**
 * Unrouted paths answer 200 with a JSON echo of what was received (method, url, headers, body). With `tls` (a key and
 * certificate), it is an HTTPS server.
 */
export async function recordingUpstream(tls?: { key: string; cert: string }): Promise<Upstream> {
  const requests: Recorded[] = [];
  const routes = new Map<string, Route>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const route = routes.get((req.url ?? "").split("?")[0] ?? "");
      if (route) return route(req, body, res);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    });
  };
  const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return {
    port,
    requests,
    route: (path, handler) => routes.set(path, handler),
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface EchoServer extends AsyncDisposable {
  readonly port: number;
  readonly received: Buffer[];
}

/** A TCP server that echoes every byte back (stands in for a TLS server behind CONNECT). */
export async function echoServer(): Promise<EchoServer> {
  const received: Buffer[] = [];
  const open = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("data", (d: Buffer) => {
      received.push(d);
      socket.write(d);
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  return {
    port: typeof addr === "object" && addr !== null ? addr.port : 0,
    received,
    async [Symbol.asyncDispose]() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      });
    },
  };
}

/** A throwaway self-signed certificate for `name` (openssl is on the project's machine kind). */
export function selfSignedCert(dir: string, name: string): { key: string; cert: string } {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"].concat([
      "-subj",
      `/CN=${name}`,
      "-addext",
      `subjectAltName=DNS:${name}`,
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ]),
    { stdio: "ignore" },
  );
  return { key: readFileSync(keyPath, "utf8"), cert: readFileSync(certPath, "utf8") };
}

/** An HTTPS server answering `hello over tls` to every request. */
export async function tlsUpstream(cert: { key: string; cert: string }): Promise<{ port: number } & AsyncDisposable> {
  const server = createHttpsServer(cert, (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("hello over tls");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  return {
    port: typeof addr === "object" && addr !== null ? addr.port : 0,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The first bytes a real TLS client sends for `servername` (captured by a plain TCP server). */
export async function captureHello(servername: string | undefined): Promise<Buffer> {
  let resolveHello: (b: Buffer) => void = () => undefined;
  const hello = new Promise<Buffer>((resolve) => {
    resolveHello = resolve;
  });
  const sockets: Socket[] = [];
  const server = createTcpServer((s) => {
    sockets.push(s);
    const chunks: Buffer[] = [];
    s.on("data", (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (parseClientHello(all).kind !== "incomplete") resolveHello(all);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const client = tlsConnect({ host: "127.0.0.1", port, ...(servername ? { servername } : {}) });
  client.on("error", () => undefined);
  const bytes = await hello;
  client.destroy();
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return bytes;
}
