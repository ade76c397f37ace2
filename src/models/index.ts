// Public API of the models domain: the ModelProvider interface, the OpenAI-compatible provider and local-server
// probing. The fake for tests lives in ./scripted.fake.ts (ScriptedModelProvider), imported directly by tests only.
export { createOpenAICompatibleProvider, type OpenAICompatibleOptions } from "./openai-compatible.js";
export {
  DEFAULT_LOCAL_SERVERS,
  type FetchLike,
  type LocalServerCandidate,
  type LocalServerProbe,
  listModels,
  probeLocalServers,
} from "./probe.js";
export { type ModelChoice, type ModelSettings, type SelectDeps, selectModelProvider } from "./select.js";
export { recoverToolCallsFromText } from "./text-tool-calls.js";
export type { ChatMessage, ChatRequest, ChatResponse, ModelProvider, ToolCall, ToolSpec } from "./types.js";
