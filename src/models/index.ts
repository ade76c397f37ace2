// Public API of the models domain: the ModelProvider interface, the OpenAI-compatible provider, local-server
// probing, and the scripted fake that other domains' tests use.
export { createOpenAICompatibleProvider, type OpenAICompatibleOptions } from "./openai-compatible.js";
export {
  DEFAULT_LOCAL_SERVERS,
  type FetchLike,
  type LocalServerCandidate,
  type LocalServerProbe,
  listModels,
  probeLocalServers,
} from "./probe.js";
export {
  type RecordedChat,
  ScriptedModelProvider,
  type ScriptedReply,
  type ScriptedScript,
  toolCallReply,
} from "./scripted.fake.js";
export { recoverToolCallsFromText } from "./text-tool-calls.js";
export type { ChatMessage, ChatRequest, ChatResponse, ModelProvider, ToolCall, ToolSpec } from "./types.js";
