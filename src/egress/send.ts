// Sending one admitted request and reading its answer within limits. Connects only to the admitted address (pinned
// lookup); TLS still verifies the certificate against the host name. Reading decompresses with a cap on the decoded
// size (so a small compressed bomb cannot exhaust memory) and redacts as it goes. Never follows redirects itself.
import { type Agent, type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createSecureContext, type SecureContext } from "node:tls";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { type Admitted, pinnedLookup } from "./admit.js";
import type { HeaderList } from "./outgoing.js";
import type { Target } from "./target.js";
import type { Scanner } from "./types.js";

export interface SendOptions {
  readonly target: Target;
  readonly admitted: Admitted;
  readonly method: string;
  readonly headers: HeaderList;
  /** Overrides the target's query (after injection). */
  readonly search: string;
  readonly body?: Buffer;
  readonly timeoutMs: number;
  /** A keep-alive agent for this admitted address (the proxy's pool); default: a fresh connection. */
  readonly agent?: Agent;
  /** Extra TLS trust for tests (a self-signed server); never set from configuration by the model. */
  readonly ca?: string | Buffer;
}

export function hostHeader(t: Target): string {
  const host = t.host.includes(":") ? `[${t.host}]` : t.host;
  return t.port === (t.scheme === "http" ? 80 : 443) ? host : `${host}:${t.port}`;
}

/** Start the request; resolves with the response head, rejects on connection failure or timeout. */
export function send(o: SendOptions): { request: ClientRequest; response: Promise<IncomingMessage> } {
  const headers: Record<string, string> = {};
  for (const [name, value] of o.headers) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  headers.host = hostHeader(o.target);
  if (o.body !== undefined) headers["content-length"] = String(o.body.length);
  const options = {
    host: o.target.host,
    port: o.target.port,
    method: o.method,
    path: `${o.target.path}${o.search}`,
    headers,
    agent: o.agent ?? false,
    lookup: pinnedLookup(o.admitted),
    timeout: o.timeoutMs,
    ...(o.target.scheme === "https"
      ? { servername: o.target.ip ? undefined : o.target.host, ...(o.ca ? { secureContext: trustContext(o.ca) } : {}) }
      : {}),
  };
  const request = o.target.scheme === "https" ? httpsRequest(options) : httpRequest(options);
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.once("response", resolve);
    request.once("error", reject);
    request.once("timeout", () => request.destroy(new TimeoutError()));
  });
  request.end(o.body);
  return { request, response };
}

// Parsing a CA list is costly (about 30 ms for Node's public roots plus one internal CA), so the context built from
// the one configured trust list is kept, not rebuilt per connection. Verification settings are Node's defaults
// (rejectUnauthorized, host name check); only the trusted CAs differ.
const contexts = new Map<string | Buffer, SecureContext>();
function trustContext(ca: string | Buffer): SecureContext {
  let context = contexts.get(ca);
  if (context === undefined) {
    if (contexts.size >= 4) contexts.clear(); // one trust list per daemon; tests make a few
    context = createSecureContext({ ca });
    contexts.set(ca, context);
  }
  return context;
}

export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
}

export interface ReadBody {
  readonly text: string;
  /** Decoded bytes read (up to the cap). */
  readonly bytes: number;
  readonly truncated: boolean;
  readonly binary: boolean;
}

const TEXT_TYPE =
  /^(text\/|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|x-ndjson|yaml|x-yaml|[\w.-]+\+(json|xml))|image\/svg\+xml)/i;

export function isTextual(contentType: string | undefined): boolean {
  return contentType === undefined || contentType === "" || TEXT_TYPE.test(contentType);
}

/** Read (decompressed, capped, redacted) the body of a response. Binary bodies are counted, not returned. */
export async function readBody(res: IncomingMessage, cap: number, scanner: Scanner): Promise<ReadBody> {
  const encoding = String(res.headers["content-encoding"] ?? "identity").toLowerCase();
  let source: Readable = res;
  if (encoding === "gzip" || encoding === "x-gzip") source = res.pipe(createGunzip());
  else if (encoding === "deflate") source = res.pipe(createInflate());
  else if (encoding === "br") source = res.pipe(createBrotliDecompress());
  const binary =
    !isTextual(res.headers["content-type"]) || !["identity", "gzip", "x-gzip", "deflate", "br"].includes(encoding);
  const decoder = new StringDecoder("utf8");
  const redaction = scanner.stream();
  const out: string[] = [];
  let bytes = 0;
  let truncated = false;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const room = cap - bytes;
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      bytes += piece.length;
      if (!binary) out.push(redaction.push(decoder.write(piece)));
      if (chunk.length > room) {
        truncated = true;
        break;
      }
    }
  } finally {
    res.destroy();
    if (source !== res) source.destroy();
  }
  if (!binary) out.push(redaction.push(decoder.end()), redaction.end());
  return { text: out.join(""), bytes, truncated, binary };
}
