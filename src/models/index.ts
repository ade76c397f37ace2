// Public API of the models domain: the ModelProvider interface and its implementations.
export type { ChatMessage, ChatRequest, ChatResponse, ModelProvider, ToolCall, ToolSpec } from "./types.js";
