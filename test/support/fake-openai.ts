// A fake OpenAI-compatible server for tests: a real HTTP server on 127.0.0.1 (port 0) speaking
// POST /v1/chat/completions (SSE streaming and plain JSON, tool calls in fragments keyed by index, usage) and
// GET /v1/models, driven by a script (a list of replies, or a function of the request). It records every request it
// receives, so tests can assert what the model saw. Errors on demand: any status, slow headers, a stream that stalls or
// is cut, raw (malformed) SSE. Test support only: never imported by src/ code outside tests.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeToolCall {
  id?: string;
  name: string;
  /** raw text, split into fragments as streamed */
  arguments: string;
}

export interface FakeReply {
  content?: string;
  toolCalls?: FakeToolCall[];
  /** default "tool_calls" when there are tool calls, else "stop"; null sends no finish_reason at all */
  finishReason?: string | null;
  /** default computed from the text; null sends no usage */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /** content and arguments are streamed in pieces of this many characters (default 4) */
  fragmentSize?: number;
  /** Ollama-like quirk: every tool-call fragment carries index 0, a whole call per chunk, told apart by id */
  sameIndex?: boolean;
  /** answer with this HTTP status and raw body instead (an error) */
  status?: number;
  body?: string;
  /** wait this long before answering (slow server) */
  delayMs?: number;
  /** streaming: send this many chunks, then never send anything again (stalled stream) */
  stallAfterChunks?: number;
  /** streaming: send this many chunks, then destroy the connection (cut stream) */
  cutAfterChunks?: number;
  /** streaming: send exactly this text as the response body (malformed SSE) */
  rawSse?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** the parsed JSON body, or undefined when it is not JSON */
  body: unknown;
}

export type FakeScript = FakeReply[] | ((req: RecordedRequest, index: number) => FakeReply);

export interface FakeOpenAIOptions {
  script?: FakeScript;
  /** ids listed by GET /v1/models (default ["fake-model"]), or a reply (e.g. an error) for that route */
  models?: string[] | FakeReply;
}

export interface FakeOpenAI extends AsyncDisposable {
  /** e.g. http://127.0.0.1:PORT/v1 */
  readonly baseUrl: string;
  readonly port: number;
  /** every request received, in order (chat completions and models alike) */
  readonly requests: RecordedRequest[];
  /** only the chat-completion requests' parsed bodies */
  chatBodies(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pieces(text: string, size: number): string[] {
  if (text === "") return [];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function defaultUsage(req: RecordedRequest, reply: FakeReply) {
  const out = (reply.content ?? "") + (reply.toolCalls ?? []).map((c) => c.name + c.arguments).join("");
  return { prompt_tokens: Math.ceil(req.rawBody.length / 4), completion_tokens: Math.ceil(out.length / 4) };
}

/** The chunks of one streamed reply, in the order OpenAI sends them. */
function streamChunks(req: RecordedRequest, reply: FakeReply, model: string, includeUsage: boolean): unknown[] {
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const size = reply.fragmentSize ?? 4;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const chunks: unknown[] = [chunk({ role: "assistant", content: "" })];
  for (const p of pieces(reply.content ?? "", size)) chunks.push(chunk({ content: p }));
  (reply.toolCalls ?? []).forEach((call, i) => {
    const callId = call.id ?? `call_${i}_${randomUUID().slice(0, 8)}`;
    if (reply.sameIndex) {
      chunks.push(
        chunk({
          tool_calls: [
            { index: 0, id: callId, type: "function", function: { name: call.name, arguments: call.arguments } },
          ],
        }),
      );
      return;
    }
    chunks.push(
      chunk({ tool_calls: [{ index: i, id: callId, type: "function", function: { name: call.name, arguments: "" } }] }),
    );
    for (const p of pieces(call.arguments, size))
      chunks.push(chunk({ tool_calls: [{ index: i, function: { arguments: p } }] }));
  });
  const finish =
    reply.finishReason === undefined ? (reply.toolCalls?.length ? "tool_calls" : "stop") : reply.finishReason;
  if (finish !== null) chunks.push(chunk({}, finish));
  const usage = reply.usage === undefined ? defaultUsage(req, reply) : reply.usage;
  if (includeUsage && usage) {
    chunks.push({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    });
  }
  return chunks;
}

function completion(req: RecordedRequest, reply: FakeReply, model: string): unknown {
  const calls = (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${i}`,
    type: "function",
    function: { name: c.name, arguments: c.arguments },
  }));
  const finish = reply.finishReason === undefined ? (calls.length ? "tool_calls" : "stop") : reply.finishReason;
  const usage = reply.usage === undefined ? defaultUsage(req, reply) : reply.usage;
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: reply.content ?? null, ...(calls.length ? { tool_calls: calls } : {}) },
        logprobs: null,
        finish_reason: finish,
      },
    ],
    ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Answer with the reply's error status, if it has one. */
function sendError(res: ServerResponse, reply: FakeReply): boolean {
  if (reply.status === undefined) return false;
  res.writeHead(reply.status, { "content-type": "application/json" });
  res.end(reply.body ?? JSON.stringify({ error: { message: `fake error ${reply.status}`, type: "fake", code: null } }));
  return true;
}

async function streamReply(res: ServerResponse, reply: FakeReply, chunks: unknown[]): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  if (reply.rawSse !== undefined) {
    res.end(reply.rawSse);
    return;
  }
  let sent = 0;
  for (const c of chunks) {
    if (reply.stallAfterChunks !== undefined && sent >= reply.stallAfterChunks) return; // hang: close() ends it
    if (reply.cutAfterChunks !== undefined && sent >= reply.cutAfterChunks) {
      res.socket?.destroy();
      return;
    }
    // each chunk leaves before the next step, so a stall or a cut happens after what was sent really arrived
    await new Promise<void>((resolve) => res.write(`data: ${JSON.stringify(c)}\n\n`, () => resolve()));
    sent++;
  }
  res.end("data: [DONE]\n\n");
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const script = options.script ?? [];
  let chatIndex = 0;

  const nextReply = (req: RecordedRequest): FakeReply => {
    const i = chatIndex++;
    if (typeof script === "function") return script(req, i);
    return script[i] ?? { status: 500, body: JSON.stringify({ error: { message: "fake: no scripted reply left" } }) };
  };

  const server = createServer((req, res) => {
    // a client that goes away mid-request must not become an unhandled rejection in the test run
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    let body: unknown;
    try {
      body = rawBody === "" ? undefined : JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      rawBody,
      body,
    };
    requests.push(recorded);
    const path = (req.url ?? "").split("?")[0];

    if (req.method === "GET" && path === "/v1/models") {
      const models = options.models ?? ["fake-model"];
      if (!Array.isArray(models)) {
        if (models.delayMs) await sleep(models.delayMs);
        if (!sendError(res, models)) sendJson(res, 200, JSON.parse(models.body ?? "{}"));
        return;
      }
      const data = models.map((id) => ({ id, object: "model", created: 0, owned_by: "fake" }));
      sendJson(res, 200, { object: "list", data });
      return;
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      sendJson(res, 404, { error: { message: `fake: no route ${req.method} ${path}` } });
      return;
    }
    const reply = nextReply(recorded);
    if (reply.delayMs) await sleep(reply.delayMs);
    if (sendError(res, reply)) return;
    const b = (body ?? {}) as { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } };
    const model = typeof b.model === "string" ? b.model : "fake-model";
    if (b.stream === true) {
      await streamReply(res, reply, streamChunks(recorded, reply, model, b.stream_options?.include_usage === true));
    } else if (reply.rawSse !== undefined) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(reply.rawSse);
    } else {
      sendJson(res, 200, completion(recorded, reply, model));
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    chatBodies: () =>
      requests.filter((r) => r.path.startsWith("/v1/chat/completions")).map((r) => r.body as Record<string, unknown>),
    close,
    [Symbol.asyncDispose]: close,
  };
}
