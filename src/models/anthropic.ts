// The Anthropic Messages API as a ModelProvider, over fetch (no SDK): POST {baseUrl}/messages with stream: true,
// read as server-sent events. Owns the mapping both ways: Warden's messages to alternating user/assistant turns with
// text, tool_use and tool_result blocks (the system prompt apart), and the event stream back to text, tool calls
// (input_json_delta fragments joined, kept raw: invalid JSON reaches the loop as written), usage and stop reason.
// Used only as a cloud provider (model.cloud: true). Never throws; one deadline covers the whole call.
import { err, ok, WardenError } from "../errors.js";
import { runWithDeadline } from "./deadline.js";
import type { FetchLike } from "./probe.js";
import type { ChatMessage, ChatRequest, ChatResponse, ModelProvider, ToolCall } from "./types.js";

export interface AnthropicOptions {
  /** default https://api.anthropic.com/v1 */
  baseUrl: string;
  model: string;
  apiKey: string;
  timeoutMs?: number;
  fetch?: FetchLike;
  /** max_tokens when the request sets none (the API requires one) */
  defaultMaxTokens?: number;
}

const VERSION = "2023-06-01";
const MAX_CHARS = 1_000_000;
const MAX_CALLS = 64;

type Block = Record<string, unknown>;
interface Turn {
  role: "user" | "assistant";
  content: Block[];
}

/** Tool-use ids must match ^[a-zA-Z0-9_-]+$; ids made by another provider are made to fit, consistently. */
const safeId = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, "_") || "call";

function inputOf(raw: string): unknown {
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v;
  } catch {
    // replayed below as an object that says what the model sent
  }
  return { _invalid_json: raw };
}

export function toAnthropicMessages(messages: readonly ChatMessage[]): { system: string; turns: Turn[] } {
  const system: string[] = [];
  const turns: Turn[] = [];
  const push = (role: Turn["role"], block: Block) => {
    const last = turns.at(-1);
    if (last && last.role === role) last.content.push(block);
    else turns.push({ role, content: [block] });
  };
  for (const m of messages) {
    if (m.role === "system") system.push(m.content);
    else if (m.role === "user") push("user", { type: "text", text: m.content });
    else if (m.role === "tool") {
      push("user", { type: "tool_result", tool_use_id: safeId(m.toolCallId ?? ""), content: m.content });
    } else {
      if (m.content !== "") push("assistant", { type: "text", text: m.content });
      for (const c of m.toolCalls ?? []) {
        push("assistant", { type: "tool_use", id: safeId(c.id), name: c.name, input: inputOf(c.arguments) });
      }
    }
  }
  // the API wants the first turn from the user
  if (turns[0]?.role === "assistant") turns.unshift({ role: "user", content: [{ type: "text", text: "(continue)" }] });
  return { system: system.join("\n\n"), turns };
}

function stopReason(s: string | undefined, calls: number): ChatResponse["finishReason"] {
  if (calls > 0 || s === "tool_use") return "tool_calls";
  if (s === "end_turn" || s === "stop_sequence") return "stop";
  if (s === "max_tokens") return "length";
  return "other";
}

/** Splits a server-sent-event stream into (event, data) pairs. */
async function* events(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, "\n");
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of frame.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) yield { event, data: data.join("\n") };
      end = buffer.indexOf("\n\n");
    }
  }
}

const fail = (message: string, data?: Record<string, unknown>) =>
  new WardenError("MODEL_FAILED", message, {
    fix: "check model.model, the key (warden secrets set) and https://status.anthropic.com",
    ...(data ? { data } : {}),
  });

export function createAnthropicProvider(options: AnthropicOptions): ModelProvider {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 300_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers = {
    "content-type": "application/json",
    accept: "text/event-stream",
    "x-api-key": options.apiKey,
    "anthropic-version": VERSION,
  };

  async function run(req: ChatRequest, onText: ((d: string) => void) | undefined, signal: AbortSignal) {
    const { system, turns } = toAnthropicMessages(req.messages);
    const body = {
      model: options.model,
      max_tokens: req.maxTokens ?? options.defaultMaxTokens ?? 4096,
      ...(system ? { system } : {}),
      messages: turns,
      ...(req.tools.length > 0
        ? { tools: req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) }
        : {}),
      stream: true,
    };
    const res = await doFetch(`${baseUrl}/messages`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal,
      redirect: "error",
    });
    if (!res.ok || !res.body) {
      const text = await res.text();
      let message = text.replace(/\s+/g, " ").slice(0, 300);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        // not JSON: the clipped text is the message
      }
      return err(fail(`${baseUrl} answered HTTP ${res.status}: ${message}`, { status: res.status }));
    }
    let content = "";
    const calls: (ToolCall & { index: number })[] = [];
    let usage = { promptTokens: 0, completionTokens: 0 };
    let stop: string | undefined;
    for await (const e of events(res.body)) {
      if (e.event === "ping") continue;
      const data = JSON.parse(e.data) as Record<string, unknown>;
      if (e.event === "error") {
        const error = data.error as { type?: string; message?: string } | undefined;
        return err(fail(`${baseUrl} reported ${error?.type ?? "an error"}: ${error?.message ?? ""}`));
      }
      if (e.event === "message_start") {
        const u = (data.message as { usage?: { input_tokens?: number; output_tokens?: number } }).usage;
        usage = { promptTokens: u?.input_tokens ?? 0, completionTokens: u?.output_tokens ?? 0 };
      } else if (e.event === "content_block_start") {
        const block = data.content_block as { type: string; id?: string; name?: string };
        if (block.type === "tool_use") {
          if (calls.length >= MAX_CALLS) return err(fail(`the model asked for more than ${MAX_CALLS} tool calls`));
          calls.push({
            index: data.index as number,
            id: block.id ?? `call_${calls.length}`,
            name: block.name ?? "",
            arguments: "",
          });
        }
      } else if (e.event === "content_block_delta") {
        const delta = data.delta as { type: string; text?: string; partial_json?: string };
        if (delta.type === "text_delta" && delta.text) {
          content += delta.text;
          if (content.length > MAX_CHARS) return err(fail(`the answer passed ${MAX_CHARS} characters`));
          onText?.(delta.text);
        } else if (delta.type === "input_json_delta") {
          const call = calls.find((c) => c.index === data.index);
          if (call) call.arguments += delta.partial_json ?? "";
        }
      } else if (e.event === "message_delta") {
        stop = (data.delta as { stop_reason?: string }).stop_reason ?? stop;
        const out = (data.usage as { output_tokens?: number } | undefined)?.output_tokens;
        if (out !== undefined) usage = { ...usage, completionTokens: out };
      } else if (e.event === "message_stop") {
        break;
      }
    }
    if (stop === undefined) return err(fail(`the stream from ${baseUrl} ended before the message did`));
    const toolCalls = calls.map(({ id, name, arguments: a }) => ({ id, name, arguments: a === "" ? "{}" : a }));
    return ok({ content, toolCalls, usage, finishReason: stopReason(stop, toolCalls.length) });
  }

  return {
    id: `anthropic:${baseUrl}#${options.model}`,
    async chat(req, onText) {
      const outcome = await runWithDeadline(timeoutMs, req.signal, (signal) => run(req, onText, signal));
      switch (outcome.kind) {
        case "done":
          return outcome.value;
        case "timeout":
          return err(new WardenError("TIMEOUT", `the model at ${baseUrl} did not finish within ${timeoutMs} ms`));
        case "aborted":
          return err(new WardenError("INTERRUPTED", "the model call was cancelled"));
        case "failed": {
          let inner: unknown = outcome.error;
          for (let d = 0; d < 5 && inner instanceof Error && inner.cause !== undefined; d++) inner = inner.cause;
          const why = inner instanceof Error ? inner.message : String(inner);
          return err(fail(`cannot use the model at ${baseUrl}: ${why}`));
        }
      }
    },
    async probe() {
      const outcome = await runWithDeadline(5_000, undefined, async (signal) => {
        const res = await doFetch(`${baseUrl}/models`, { headers, signal, redirect: "error" });
        return { status: res.status, text: await res.text() };
      });
      if (outcome.kind !== "done") return err(fail(`cannot list models at ${baseUrl} (${outcome.kind})`));
      if (outcome.value.status !== 200) return err(fail(`${baseUrl}/models answered HTTP ${outcome.value.status}`));
      try {
        const list = JSON.parse(outcome.value.text) as { data?: { id?: unknown }[] };
        return ok({ models: (list.data ?? []).map((m) => String(m.id)) });
      } catch {
        return err(fail(`${baseUrl}/models did not answer with JSON`));
      }
    },
  };
}
