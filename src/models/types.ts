// The model provider interface shared by every provider (OpenAI-compatible servers, the embedded engine, cloud APIs)
// and by the agent loop. Owns only types: no I/O here. Model output is untrusted: nothing in these types is
// validated beyond its shape; the loop validates tool-call arguments against each tool's schema.
import type { Result, WardenError } from "../errors.js";

export interface ToolCall {
  id: string;
  name: string;
  /** raw JSON text exactly as the model sent it */
  arguments: string;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** assistant messages */
  toolCalls?: ToolCall[];
  /** tool messages */
  toolCallId?: string;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema */
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  tools: ToolSpec[];
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface ChatResponse {
  content: string;
  toolCalls: ToolCall[];
  usage: { promptTokens: number; completionTokens: number };
  finishReason: "stop" | "tool_calls" | "length" | "other";
  /** true when the server reported no usage and the counts are estimated from the text (about 4 characters a token) */
  usageEstimated?: boolean;
  /** true when some tool calls were recovered from plain text (a server or template without tool support) */
  toolCallsFromText?: boolean;
  /** the model's thinking, when it sent some apart from the answer (never part of `content`) */
  reasoning?: string;
}

/**
 * Contract: never throws for a model/server failure: returns err(WardenError MODEL_FAILED/TIMEOUT) instead
 * (INTERRUPTED when the caller's `signal` aborted the call). Never hangs: every call has a deadline.
 * `onText` receives the visible answer text as it streams; text that turns out to be a tool call is held back.
 */
export interface ModelProvider {
  /** e.g. "openai-compatible:http://127.0.0.1:11434/v1#qwen2.5" */
  readonly id: string;
  chat(req: ChatRequest, onText?: (delta: string) => void): Promise<Result<ChatResponse, WardenError>>;
  probe(): Promise<Result<{ models: string[] }, WardenError>>;
  /** frees what the provider holds (the embedded engine's model and threads); the daemon calls it on stop */
  close?(): Promise<void>;
}
