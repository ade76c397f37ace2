// Public API of the models domain: the ModelProvider interface, the OpenAI-compatible provider, local-server probing,
// the embedded engine (its install, its provider, the model files in <home>/models and `warden model pull`), and
// start-up selection. The fake for tests lives in ./scripted.fake.ts (ScriptedModelProvider), imported by tests only.
export { type AnthropicOptions, createAnthropicProvider } from "./anthropic.js";
export { CATALOG, type CatalogModel, catalogModel, DEFAULT_MODEL } from "./catalog.js";
export { CLOUD_PROVIDERS, type ModelConfig, modelConfigSchema } from "./config.js";
export { createEmbeddedProvider, type EmbeddedOptions, type EmbeddedProvider } from "./embedded.js";
export {
  ENGINE_VERSION,
  type EngineLocation,
  engineDirs,
  findEngine,
  type InstallOptions,
  installEngine,
} from "./engine.js";
export { listModelFiles, type ModelFile, modelsDirOf, resolveModelPath } from "./files.js";
export { createOpenAICompatibleProvider, type OpenAICompatibleOptions } from "./openai-compatible.js";
export {
  DEFAULT_LOCAL_SERVERS,
  type FetchLike,
  type LocalServerCandidate,
  type LocalServerProbe,
  listModels,
  probeLocalServers,
} from "./probe.js";
export { type PullOptions, type PullResult, pullModel } from "./pull.js";
export { type ModelChoice, type ModelSettings, type SelectDeps, selectModelProvider } from "./select.js";
export { recoverToolCallsFromText } from "./text-tool-calls.js";
export type { ChatMessage, ChatRequest, ChatResponse, ModelProvider, ToolCall, ToolSpec } from "./types.js";
