// A ModelProvider for other domains' tests and benchmarks: answers from a script (a list of steps, or a function of
// the request) with no I/O and no latency, and records every request (a copy, as the model would have seen it).
// Keeps the provider contract: never throws; a script step may be a WardenError, returned as an error value.
import { err, ok, type Result, WardenError } from "../errors.js";
import type { ChatRequest, ChatResponse, ModelProvider, ToolCall } from "./types.js";

export type ScriptedReply = Partial<ChatResponse> | WardenError;
export type ScriptedScript = ScriptedReply[] | ((req: ChatRequest, index: number) => ScriptedReply);

export interface RecordedChat {
  messages: ChatRequest["messages"];
  tools: ChatRequest["tools"];
  maxTokens?: number;
}

/** A reply that calls one tool; `args` is sent as JSON text unless it is a string already (kept raw). */
export function toolCallReply(name: string, args: unknown, id?: string): Partial<ChatResponse> {
  const call: ToolCall = {
    id: id ?? `call_${name}`,
    name,
    arguments: typeof args === "string" ? args : JSON.stringify(args),
  };
  return { toolCalls: [call], finishReason: "tool_calls" };
}

export class ScriptedModelProvider implements ModelProvider {
  readonly id: string;
  readonly requests: RecordedChat[] = [];
  private next = 0;

  constructor(
    private readonly script: ScriptedScript,
    private readonly options: { id?: string; models?: string[] } = {},
  ) {
    this.id = options.id ?? "scripted";
  }

  async chat(req: ChatRequest, onText?: (delta: string) => void): Promise<Result<ChatResponse, WardenError>> {
    this.requests.push({
      messages: structuredClone(req.messages),
      tools: structuredClone(req.tools),
      ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
    });
    if (req.signal?.aborted) return err(new WardenError("INTERRUPTED", "the model call was cancelled"));
    const index = this.next++;
    const step = typeof this.script === "function" ? this.script(req, index) : this.script[index];
    if (step === undefined) {
      return err(new WardenError("MODEL_FAILED", `scripted model: no reply scripted for request ${index + 1}`));
    }
    if (step instanceof WardenError) return err(step);
    const content = step.content ?? "";
    const toolCalls = step.toolCalls ?? [];
    if (content !== "") onText?.(content);
    return ok({
      content,
      toolCalls,
      usage: step.usage ?? {
        promptTokens: Math.ceil(JSON.stringify(req.messages).length / 4),
        completionTokens: Math.ceil((content.length + toolCalls.reduce((n, c) => n + c.arguments.length, 0)) / 4),
      },
      finishReason: step.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
      ...(step.usageEstimated !== undefined ? { usageEstimated: step.usageEstimated } : {}),
      ...(step.toolCallsFromText !== undefined ? { toolCallsFromText: step.toolCallsFromText } : {}),
      ...(step.reasoning !== undefined ? { reasoning: step.reasoning } : {}),
    });
  }

  async probe(): Promise<Result<{ models: string[] }, WardenError>> {
    return ok({ models: this.options.models ?? ["scripted"] });
  }
}
