// CONNECT tunnels for the egress proxy. Every tunnel: an allowed port, and the first TLS record must be a ClientHello
// whose server name (if any) is the CONNECT host. Then either the interceptor takes it (TLS terminated by Warden,
// every request inside checked, see intercept.ts) or, for hosts configured as pass-through, policy and the address
// check decide on host:port and the stream stays opaque: no injection and no exfiltration guard inside TLS.
import type { IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import { admit } from "./admit.js";
import { authorized } from "./auth.js";
import { auditSafely, type EgressDeps } from "./deps.js";
import type { Interceptor } from "./intercept.js";
import { parseClientHello } from "./sni.js";
import { parseConnectAuthority } from "./target.js";

export async function handleConnect(
  deps: EgressDeps,
  options: { readonly token?: string },
  req: IncomingMessage,
  client: Socket,
  head: Buffer,
  interceptor?: Interceptor,
): Promise<void> {
  const refuse = (status: number, reason: string) => {
    auditSafely(deps, { type: "egress.denied", via: "proxy", method: "CONNECT", reason: deps.scanner.redact(reason) });
    client.end(
      `HTTP/1.1 ${status} ${status === 407 ? "Proxy Authentication Required" : "Forbidden"}\r\nx-warden-egress: denied\r\ncontent-length: 0\r\n\r\n`,
    );
  };
  if (!authorized(options, req)) return refuse(407, "proxy authentication required");
  const target = parseConnectAuthority(req.url ?? "");
  if (!target.ok) return refuse(403, target.reason);
  const { host, port, ip } = target.value;
  if (!deps.config.connectPorts.includes(port)) return refuse(403, `CONNECT to port ${port} is not allowed`);
  if (interceptor?.covers(host, port)) {
    // Nothing is decided yet: each request inside is decided (and its address checked) when it is made.
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    const hello = await checkedHello(deps, client, head, host, port);
    if (hello === undefined) return;
    interceptor.serve(client, hello, { host, port, ip });
    return;
  }
  const admitted = await admit({ via: "proxy", scheme: "https", host, port, method: "CONNECT", secrets: [] }, ip, deps);
  if (!admitted.ok) return refuse(403, admitted.reason);
  const upstream = connect({ host: admitted.value.address, port, timeout: deps.config.timeoutMs });
  upstream.once("timeout", () => upstream.destroy(new Error("timeout")));
  upstream.setNoDelay(true);
  client.setNoDelay(true);
  const connected = await new Promise<boolean>((resolve) => {
    upstream.once("connect", () => {
      upstream.setTimeout(0); // the timeout bounds connecting; an idle tunnel (long poll, websocket) may stay open
      resolve(true);
    });
    upstream.once("error", () => resolve(false));
  });
  if (!connected) {
    auditSafely(deps, {
      type: "egress.error",
      via: "proxy",
      method: "CONNECT",
      host,
      port,
      reason: "connection failed",
    });
    client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
    return;
  }
  const d = admitted.value.decision;
  auditSafely(deps, {
    type: "egress.allowed",
    via: "proxy",
    scheme: "https",
    method: "CONNECT",
    host,
    port,
    address: admitted.value.address,
    reason: d.reason,
    ...(d.rule ? { rule: d.rule } : {}),
  });
  client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  const helloBytes = await checkedHello(deps, client, head, host, port);
  if (helloBytes === undefined) {
    upstream.destroy();
    return;
  }
  upstream.write(helloBytes);
  const closeBoth = () => {
    upstream.destroy();
    client.destroy();
  };
  upstream.on("error", closeBoth).on("close", closeBoth);
  client.on("error", closeBoth).on("close", closeBoth);
  upstream.pipe(client);
  client.pipe(upstream);
}

/**
 * Only TLS goes through a tunnel, and only for the CONNECT host: a ClientHello naming another server (domain fronting
 * on a shared address) or any other protocol is refused (audited, client closed). Returns the bytes read.
 */
async function checkedHello(
  deps: EgressDeps,
  client: Socket,
  head: Buffer,
  host: string,
  port: number,
): Promise<Buffer | undefined> {
  client.setTimeout(deps.config.timeoutMs); // a client that never starts its handshake does not hold the tunnel
  const first = await readClientHello(client, head);
  client.setTimeout(0);
  const refuseTunnel = (reason: string) => {
    auditSafely(deps, { type: "egress.denied", via: "proxy", method: "CONNECT", host, port, reason });
    client.destroy();
    return undefined;
  };
  if (first.kind !== "hello") return refuseTunnel("tunnel traffic is not TLS");
  if (first.serverName !== undefined && first.serverName !== host) {
    return refuseTunnel(`TLS server name ${first.serverName} differs from the CONNECT host`);
  }
  return first.bytes;
}

const MAX_HELLO_BYTES = 20 * 1024;

/** Gather the client's first TLS record (bounded in size; the caller's socket timeout bounds the wait). */
function readClientHello(
  socket: Socket,
  head: Buffer,
): Promise<{ kind: "not-tls" } | { kind: "hello"; serverName: string | undefined; bytes: Buffer }> {
  return new Promise((resolve) => {
    let data = head;
    const finish = (result: ReturnType<typeof parseClientHello> | { kind: "not-tls" }) => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("timeout", onEnd);
      socket.pause();
      resolve(result.kind === "hello" ? { ...result, bytes: data } : { kind: "not-tls" });
    };
    const check = () => {
      const parsed = parseClientHello(data);
      if (parsed.kind !== "incomplete") finish(parsed);
      else if (data.length > MAX_HELLO_BYTES) finish({ kind: "not-tls" });
    };
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      check();
    };
    const onEnd = () => finish({ kind: "not-tls" });
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("timeout", onEnd);
    if (data.length > 0) check();
    socket.resume();
  });
}
