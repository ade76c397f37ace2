// A protocol-faithful fake of the Anthropic Messages API on loopback: POST /v1/messages with `stream: true` answers
// with the same server-sent events the real API sends (message_start, content_block_start/delta/stop with text_delta
// and input_json_delta, message_delta with stop_reason and usage, message_stop, pings), errors as the API's error
// JSON, and GET /v1/models. Replies come from a script; every request is recorded. Checks what the real API checks
// and answers 400 like it: the version and key headers, max_tokens, alternating roles, tool_result ids.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeAnthropicReply =
  | { text: string; stopReason?: "end_turn" | "max_tokens" }
  | { toolUses: { name: string; input: string }[]; text?: string }
  | { status: number; type?: string; message?: string }
  | { hang: true }
  | { cut: true };

export interface RecordedRequest {
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export interface FakeAnthropic extends AsyncDisposable {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function problem(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ type: "error", error: { type, message } }));
}

/** Why the real API would refuse this body, or undefined. */
function invalid(body: Record<string, unknown>): string | undefined {
  if (typeof body.model !== "string") return "model: Field required";
  if (typeof body.max_tokens !== "number") return "max_tokens: Field required";
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "messages: at least one message is required";
  let last = "";
  const toolUses = new Set<string>();
  for (const m of messages as { role?: string; content?: unknown }[]) {
    if (m.role !== "user" && m.role !== "assistant") return `messages: unexpected role ${String(m.role)}`;
    if (m.role === last) return "messages: roles must alternate between user and assistant";
    last = m.role;
    const blocks =
      typeof m.content === "string" ? [] : (m.content as { type: string; id?: string; tool_use_id?: string }[]);
    for (const b of blocks) {
      if (b.type === "tool_use" && b.id) toolUses.add(b.id);
      if (b.type === "tool_result" && !toolUses.has(b.tool_use_id ?? "")) {
        return `messages: tool_result block(s) provided for unknown tool_use id ${b.tool_use_id}`;
      }
    }
  }
  if ((messages[0] as { role: string }).role !== "user") return "messages: first message must use the user role";
  return undefined;
}

export async function startFakeAnthropic(options: { script?: FakeAnthropicReply[]; models?: string[] } = {}) {
  const script = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  let counter = 0;
  const server = createServer(async (req, res) => {
    if (req.headers["x-api-key"] === undefined) return problem(res, 401, "authentication_error", "x-api-key required");
    if (req.headers["anthropic-version"] !== "2023-06-01") {
      return problem(res, 400, "invalid_request_error", "anthropic-version header required");
    }
    if (req.method === "GET" && req.url === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ data: (options.models ?? ["claude-fake"]).map((id) => ({ type: "model", id })) }));
      return;
    }
    if (req.method !== "POST" || req.url !== "/v1/messages") return problem(res, 404, "not_found_error", "no route");
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw) as Record<string, unknown>;
    requests.push({ headers: req.headers, body });
    const why = invalid(body);
    if (why) return problem(res, 400, "invalid_request_error", why);
    const reply = script.shift();
    if (!reply) return problem(res, 500, "api_error", "fake: nothing scripted");
    if ("status" in reply) return problem(res, reply.status, reply.type ?? "api_error", reply.message ?? "scripted");

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const id = `msg_fake_${++counter}`;
    send("message_start", {
      type: "message_start",
      message: {
        id,
        type: "message",
        role: "assistant",
        content: [],
        model: body.model,
        usage: { input_tokens: 25, output_tokens: 1 },
      },
    });
    if ("hang" in reply) return; // headers sent, nothing more: the caller's deadline or abort must end it
    if ("cut" in reply) {
      // a connection that drops mid-answer
      send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
      send("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: "Hal" },
      });
      res.end(); // ends the stream without message_stop
      return;
    }
    send("ping", { type: "ping" });
    let index = 0;
    const text = "text" in reply ? reply.text : undefined;
    if (text !== undefined && text !== "") {
      send("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } });
      // split like the real stream: a few characters per delta
      for (let i = 0; i < text.length; i += 4) {
        send("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "text_delta", text: text.slice(i, i + 4) },
        });
      }
      send("content_block_stop", { type: "content_block_stop", index });
      index++;
    }
    const uses = "toolUses" in reply ? reply.toolUses : [];
    for (const use of uses) {
      const toolId = `toolu_fake_${counter}_${index}`;
      send("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: toolId, name: use.name, input: {} },
      });
      for (let i = 0; i < use.input.length; i += 5) {
        send("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: use.input.slice(i, i + 5) },
        });
      }
      send("content_block_stop", { type: "content_block_stop", index });
      index++;
    }
    const stop =
      uses.length > 0 ? "tool_use" : "stopReason" in reply && reply.stopReason ? reply.stopReason : "end_turn";
    send("message_delta", {
      type: "message_delta",
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: 12 },
    });
    send("message_stop", { type: "message_stop" });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  const fake: FakeAnthropic = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
  return fake;
}
