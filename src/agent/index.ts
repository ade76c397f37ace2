// Public API of the agent domain: the loop, the built-in tools, the tool shape, the model contract (until
// src/models/types.ts exists) and the system prompt.
export { type FileOwner, isInside, SENSITIVE_PATHS } from "./confine.js";
export { type AgentDeps, type RunOptions, type RunOutcome, runTask, toolSpecs } from "./loop.js";
export type { ChatMessage, ChatRequest, ChatResponse, ModelProvider, ToolCall, ToolSpec } from "./model.js";
export { systemPrompt } from "./prompt.js";
export { type RunnerOptions, TaskRunner } from "./runner.js";
export { type AgentEvent, type Journal, runToolCall, type StepDeps, type StepOutcome, type StepState } from "./step.js";
export {
  defineTool,
  fail,
  type ProposedAction,
  type Tool,
  type ToolContext,
  type ToolOutput,
  toolSpec,
} from "./tool.js";
export { type BuiltinToolDeps, builtinTools } from "./tools/index.js";
