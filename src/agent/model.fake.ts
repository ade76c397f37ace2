// A scripted ModelProvider for the agent's tests and benchmark: each chat() call is answered by the next step of a
// script (a response, a function of the request, or a failure). Never talks to a model; never used outside tests.
import { err, ok, type Result, WardenError } from "../errors.js";
import type { ChatRequest, ChatResponse, ModelProvider, ToolCall } from "../models/index.js";

export type ScriptStep =
  | Partial<ChatResponse>
  | WardenError
  | ((req: ChatRequest) => Partial<ChatResponse> | WardenError | Promise<Partial<ChatResponse> | WardenError>);

let callSeq = 0;
/** A tool call with the arguments as JSON text (or raw text when a string is given: e.g. invalid JSON). */
export function call(name: string, args: unknown): ToolCall {
  callSeq += 1;
  return { id: `call_${callSeq}`, name, arguments: typeof args === "string" ? args : JSON.stringify(args) };
}

export class ScriptedModel implements ModelProvider {
  readonly id = "scripted";
  readonly requests: ChatRequest[] = [];
  private next = 0;

  /** `steps` is consumed in order; `then` answers every call after the script ran out (default: a final "done"). */
  constructor(
    private readonly steps: readonly ScriptStep[],
    private readonly then: ScriptStep = { content: "done" },
  ) {}

  async chat(req: ChatRequest, onText?: (delta: string) => void): Promise<Result<ChatResponse, WardenError>> {
    this.requests.push({ ...req, messages: [...req.messages] });
    if (req.signal?.aborted) return err(new WardenError("INTERRUPTED", "request aborted"));
    const step = this.steps[this.next++] ?? this.then;
    const out = typeof step === "function" ? await step(req) : step;
    if (out instanceof WardenError) return err(out);
    const toolCalls = out.toolCalls ?? [];
    const content = out.content ?? "";
    if (content) onText?.(content);
    return ok({
      content,
      toolCalls,
      usage: out.usage ?? { promptTokens: 10, completionTokens: 5 },
      finishReason: out.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
    });
  }

  async probe(): Promise<Result<{ models: string[] }, WardenError>> {
    return ok({ models: ["scripted"] });
  }
}
