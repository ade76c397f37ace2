// The model provider contract, copied verbatim from the one src/models/types.ts will export; the agent loop imports
// its types from here until that file exists (then this file goes and imports point there). Types only.
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
  toolCalls?: ToolCall[];
  toolCallId?: string;
}
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown> /* JSON Schema */;
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
}
/** Contract: never throws for a model/server failure: returns err(WardenError) instead. */
export interface ModelProvider {
  readonly id: string;
  chat(req: ChatRequest, onText?: (delta: string) => void): Promise<Result<ChatResponse, WardenError>>;
  probe(): Promise<Result<{ models: string[] }, WardenError>>;
}
