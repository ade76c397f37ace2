// The ModelProvider for OpenAI-compatible chat-completion servers (Ollama, llama.cpp server, vLLM, NVIDIA NIM,
// LM Studio, cloud APIs), through the `openai` package, always streaming. Owns the request shape and the mapping of
// failures to WardenError values. Must never throw for a server failure, never hang (one deadline covers the whole
// call), never send `tool_choice` (Ollama ignores it), and never let the client library read process.env (an
// OPENAI_API_KEY in the environment must not reach a local server).
import type OpenAI from "openai";
import { APIConnectionError, APIError } from "openai/core/error";
import { err, type Result, WardenError } from "../errors.js";
import { type AnswerLimits, completionAsChunk, DEFAULT_ANSWER_LIMITS, StreamAssembler } from "./assemble.js";
import { runWithDeadline } from "./deadline.js";
import { type FetchLike, listModels } from "./probe.js";
import type { ChatMessage, ChatRequest, ChatResponse, ModelProvider, ToolSpec } from "./types.js";

export interface OpenAICompatibleOptions {
  /** e.g. http://127.0.0.1:11434/v1 */
  baseUrl: string;
  model: string;
  /** the key's value (resolved from `secret:NAME` by the caller); no Authorization header without one */
  apiKey?: string;
  /** one deadline for a whole chat call, first byte to last (default 300 s: CPU inference is slow) */
  timeoutMs?: number;
  /** deadline for probe() (default 5 s) */
  probeTimeoutMs?: number;
  fetch?: FetchLike;
  /** bounds on one answer (default 1,000,000 characters, 64 tool calls) */
  limits?: Partial<AnswerLimits>;
}

type WireMessage = Record<string, unknown>;

/**
 * Servers render tool-call arguments through their chat template and reject a history whose arguments are not JSON
 * (Ollama, llama.cpp), so arguments the model sent broken are replayed wrapped in a valid object.
 */
function replayArguments(raw: string): string {
  try {
    JSON.parse(raw);
    return raw;
  } catch {
    return JSON.stringify({ _invalid_json: raw });
  }
}

export function toWireMessages(messages: readonly ChatMessage[]): WireMessage[] {
  return messages.map((m): WireMessage => {
    if (m.role === "tool") return { role: "tool", tool_call_id: m.toolCallId ?? "", content: m.content };
    if (m.role === "assistant" && m.toolCalls && m.toolCalls.length > 0) {
      return {
        role: "assistant",
        content: m.content,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.name, arguments: replayArguments(c.arguments) },
        })),
      };
    }
    return { role: m.role, content: m.content };
  });
}

export function toWireTools(tools: readonly ToolSpec[]): WireMessage[] {
  return tools.map((t) => ({
    type: "function",
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

/** The innermost cause's message: "fetch failed" says less than the ECONNREFUSED or "other side closed" under it. */
function describe(e: unknown): string {
  let inner = e;
  for (let depth = 0; depth < 5 && inner instanceof Error && inner.cause !== undefined; depth++) inner = inner.cause;
  return clip(inner instanceof Error ? inner.message : String(inner));
}

/** A server's error text goes into logs and back to the model: one short line (a proxy may answer with a page). */
function clip(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

const FIX =
  "check that the model server is running and serves this model; for tool calls llama.cpp needs --jinja and vLLM " +
  "needs --enable-auto-tool-choice --tool-call-parser";

function failure(e: unknown, baseUrl: string, chunks: number): WardenError {
  if (e instanceof WardenError) return e;
  const fail = (message: string, data?: Record<string, unknown>) =>
    new WardenError("MODEL_FAILED", message, { fix: FIX, ...(data ? { data } : {}) }, { cause: e });
  if (e instanceof APIError && typeof e.status === "number") {
    return fail(`the model server at ${baseUrl} answered HTTP ${e.status}: ${clip(e.message)}`, { status: e.status });
  }
  const connection = e instanceof APIConnectionError; // a subclass of APIError, without a status
  if (e instanceof APIError && !connection) {
    return fail(`the model server at ${baseUrl} reported an error: ${clip(e.message)}`);
  }
  if (e instanceof SyntaxError)
    return fail(`the model server at ${baseUrl} sent invalid JSON in the stream: ${clip(e.message)}`);
  if (chunks > 0) {
    return fail(`the stream from the model server at ${baseUrl} broke off after ${chunks} chunks: ${describe(e)}`, {
      chunks,
    });
  }
  return fail(`cannot reach the model server at ${baseUrl}: ${describe(e)}`);
}

/** The only request headers that reach the server. */
const SENT_HEADERS = new Set(["accept", "authorization", "content-type"]);

/**
 * The library adds headers of its own, some from process.env (OPENAI_CUSTOM_HEADERS) and some describing this machine
 * (X-Stainless-OS, -Arch, -Runtime-Version): only the headers a chat request needs are let through.
 */
function onlyNeededHeaders(inner: FetchLike): FetchLike {
  return (input, init) => {
    const headers = new Headers();
    for (const [name, value] of new Headers(init?.headers)) if (SENT_HEADERS.has(name)) headers.set(name, value);
    return inner(input, { ...init, headers });
  };
}

/** The statuses a server uses to refuse streaming with tools; a retry without streaming is cheap and safe. */
function refusesStreamingTools(e: unknown): boolean {
  return e instanceof APIError && typeof e.status === "number" && [400, 422, 500, 501].includes(e.status);
}

export function createOpenAICompatibleProvider(options: OpenAICompatibleOptions): ModelProvider {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 300_000;
  const limits: AnswerLimits = { ...DEFAULT_ANSWER_LIMITS, ...options.limits };
  // The client library (about 60 ms to load even bundled) is loaded on the first call, not at daemon start-up.
  // Every option it would otherwise take from process.env is given explicitly.
  const makeClient = async () => {
    const { default: OpenAIClient } = await import("openai");
    return new OpenAIClient({
      baseURL: baseUrl,
      // the library refuses to start without a key; with none, this placeholder's header is removed below
      apiKey: options.apiKey ?? "none",
      adminAPIKey: null,
      organization: null,
      project: null,
      webhookSecret: null,
      maxRetries: 0,
      timeout: timeoutMs,
      logLevel: "off",
      ...(options.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
      fetch: onlyNeededHeaders(options.fetch ?? globalThis.fetch),
    });
  };
  let clientPromise: Promise<OpenAI> | undefined;
  const getClient = (): Promise<OpenAI> => {
    clientPromise ??= makeClient().catch((e: unknown) => {
      clientPromise = undefined; // a failed load is tried again on the next call
      throw e;
    });
    return clientPromise;
  };

  // Older llama.cpp servers (and builds based on them) answer "Cannot use tools with stream" with HTTP 500: such a
  // request is asked again without streaming, within the same deadline.
  let streamsTools = true;

  async function chat(req: ChatRequest, onText?: (delta: string) => void): Promise<Result<ChatResponse, WardenError>> {
    const offered = req.tools.map((t) => t.name);
    const assembler = new StreamAssembler(offered, onText, limits);
    const body: Record<string, unknown> = {
      model: options.model,
      messages: toWireMessages(req.messages),
      ...(req.tools.length > 0 ? { tools: toWireTools(req.tools) } : {}), // an empty list makes some servers refuse
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
    };
    const promptChars = JSON.stringify(body.messages).length + JSON.stringify(body.tools ?? []).length;
    const withTools = req.tools.length > 0;
    let chunks = 0;
    // the body is built by hand (not the library's typed params) so that nothing unasked is ever added
    const streamed = async (signal: AbortSignal) => {
      const params = { ...body, stream: true, stream_options: { include_usage: true } };
      const stream = await (await getClient()).chat.completions.create(
        params as unknown as OpenAI.ChatCompletionCreateParamsStreaming,
        { signal, maxRetries: 0, timeout: timeoutMs },
      );
      for await (const chunk of stream) {
        chunks++;
        const pushed = assembler.push(chunk);
        if (!pushed.ok) throw pushed.error;
      }
      return assembler.result(promptChars);
    };
    const whole = async (signal: AbortSignal) => {
      const params = { ...body, stream: false };
      const completion: unknown = await (await getClient()).chat.completions.create(
        params as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
        { signal, maxRetries: 0, timeout: timeoutMs },
      );
      const pushed = assembler.push(completionAsChunk(completion));
      if (!pushed.ok) throw pushed.error;
      return assembler.result(promptChars);
    };
    const outcome = await runWithDeadline(timeoutMs, req.signal, async (signal) => {
      if (!withTools || streamsTools) {
        try {
          return await streamed(signal);
        } catch (e) {
          if (!(withTools && chunks === 0 && refusesStreamingTools(e))) throw e;
        }
      }
      const answer = await whole(signal);
      if (answer.ok) streamsTools = false; // remembered: this server answers tool requests only without streaming
      return answer;
    });
    switch (outcome.kind) {
      case "done":
        return outcome.value;
      case "timeout":
        return err(
          new WardenError("TIMEOUT", `the model at ${baseUrl} did not finish within ${timeoutMs} ms`, {
            fix: "raise the model timeout or use a smaller model",
          }),
        );
      case "aborted":
        return err(new WardenError("INTERRUPTED", "the model call was cancelled"));
      case "failed":
        return err(failure(outcome.error, baseUrl, chunks));
    }
  }

  return {
    id: `openai-compatible:${baseUrl}#${options.model}`,
    chat,
    probe: () =>
      listModels(baseUrl, {
        timeoutMs: options.probeTimeoutMs ?? 5_000,
        ...(options.apiKey ? { apiKey: options.apiKey } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
  };
}
