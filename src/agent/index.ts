// Public API of the agent domain: the loop, the runner (limits, cancel, halt, sub-agents), the built-in tools, the
// tool shape and the system prompt. The model contract lives in src/models.

export { type AgentConfig, agentConfigSchema } from "./config.js";
export { type FileOwner, isInside, SENSITIVE_PATHS } from "./confine.js";
export { conversationHistory, HISTORY_MAX_CHARS, HISTORY_MAX_MESSAGES } from "./conversation.js";
export { type AgentDeps, type RunOptions, type RunOutcome, resumeTask, runTask, toolSpecs } from "./loop.js";
export { systemPrompt } from "./prompt.js";
export { type Leftovers, leftoverTasks } from "./restart.js";
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
export { type AskOwnerDeps, askOwnerTool } from "./tools/ask.js";
export { type BuiltinToolDeps, builtinTools } from "./tools/index.js";
export { sendMessageTool } from "./tools/message.js";
export {
  DEFAULT_SUBAGENT_LIMITS,
  type SubAgentDeps,
  type SubAgentLimits,
  spawnAgentTool,
} from "./tools/subagent.js";
