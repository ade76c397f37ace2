// Forwarding one parsed request for the egress proxy, plain HTTP or HTTPS intercepted inside a CONNECT tunnel: the
// body held in full for the guard, hop-by-hop headers dropped, then the shared hop (guard, policy, address check,
// injection, send) and the answer streamed back, capped and redacted. Answers every outcome itself; never throws for
// an expected failure.
import type { IncomingMessage, ServerResponse } from "node:http";
import { StringDecoder } from "node:string_decoder";
import { auditSafely, type EgressDeps } from "./deps.js";
import { performHop } from "./hop.js";
import type { AgentPool } from "./pool.js";
import { isTextual } from "./send.js";
import type { Target } from "./target.js";

export const HOP_BY_HOP = new Set([
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

export function answerDenied(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-warden-egress": "denied" });
  res.end(`warden egress: ${reason}\n`);
}

export async function forwardRequest(
  deps: EgressDeps,
  pool: AgentPool,
  target: Target,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const answer = (status: number, reason: string) => answerDenied(res, status, reason);
  const refuse = (status: number, reason: string) => {
    const t = target;
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
  const hop = await performHop(deps, "proxy", { target, headers, ...(body.length > 0 ? { body } : {}) }, method, pool);
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
