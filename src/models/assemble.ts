// Joins the chunks of a streamed chat completion into one ChatResponse: content deltas, tool calls joined from
// `delta.tool_calls[]` fragments by index (and by id, for servers that reuse one index), usage, finish reason.
// Every chunk is untrusted input and is checked with zod first, and one answer is bounded in size. Streamed text goes
// through the TextGate (visible-text.ts), so a tool call written as text is never shown as an answer. Pure: no I/O;
// never throws (a bad chunk is an error value). A whole, non-streamed completion is turned into one chunk first.
import * as z from "zod";
import { err, ok, type Result, WardenError } from "../errors.js";
import { recoverToolCallsFromText } from "./text-tool-calls.js";
import type { ChatResponse, ToolCall } from "./types.js";
import { splitThinking, TextGate } from "./visible-text.js";

const Fragment = z.lazy(() =>
  z.object({
    index: z.number().int().nonnegative().nullish(),
    id: z.string().nullish(),
    function: z
      .object({
        name: z.string().nullish(),
        // llama.cpp and some proxies have sent an object here instead of text
        arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
      })
      .nullish(),
  }),
);

const Chunk = z.lazy(() =>
  z.object({
    choices: z
      .array(
        z.object({
          index: z.number().nullish(),
          delta: z
            .object({
              content: z.string().nullish(),
              // thinking sent apart from the answer: llama.cpp and vLLM name it reasoning_content, Ollama reasoning
              reasoning_content: z.string().nullish(),
              reasoning: z.string().nullish(),
              tool_calls: z.array(Fragment).nullish(),
            })
            .nullish(),
          finish_reason: z.string().nullish(),
        }),
      )
      .nullish(),
    usage: z.object({ prompt_tokens: z.number().nonnegative(), completion_tokens: z.number().nonnegative() }).nullish(),
  }),
);

type Fragment = z.infer<typeof Fragment>;

const Completion = z.lazy(() =>
  z.object({
    choices: z.array(
      z.object({
        index: z.number().nullish(),
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(Fragment.unwrap().omit({ index: true })).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    ),
    usage: z.object({ prompt_tokens: z.number().nonnegative(), completion_tokens: z.number().nonnegative() }).nullish(),
  }),
);

/**
 * A whole (non-streamed) completion as one chunk, so both paths share one assembler. Something that is not a
 * completion is passed on unchanged: the assembler refuses it.
 */
export function completionAsChunk(raw: unknown): unknown {
  const parsed = Completion.safeParse(raw);
  if (!parsed.success) return raw;
  const { choices, usage } = parsed.data;
  return {
    choices: choices.map((c) => ({
      index: c.index,
      delta: { content: c.message.content, tool_calls: c.message.tool_calls?.map((t, index) => ({ ...t, index })) },
      finish_reason: c.finish_reason,
    })),
    usage,
  };
}
interface PartialCall {
  id: string;
  name: string;
  args: string;
}

const FINISH: Record<string, ChatResponse["finishReason"]> = {
  stop: "stop",
  tool_calls: "tool_calls",
  function_call: "tool_calls",
  length: "length",
};

/** Bounds on one answer: a broken or hostile server must not fill the daemon's memory before the deadline. */
export interface AnswerLimits {
  /** characters of text, thinking and arguments together (default 1,000,000) */
  maxChars: number;
  /** tool calls in one answer (default 64) */
  maxToolCalls: number;
}

export const DEFAULT_ANSWER_LIMITS: AnswerLimits = { maxChars: 1_000_000, maxToolCalls: 64 };

export class StreamAssembler {
  private received = 0;
  private content = "";
  private reasoning = "";
  private readonly calls: PartialCall[] = [];
  private readonly byIndex = new Map<number, PartialCall>();
  private finish: string | undefined;
  private usage: { promptTokens: number; completionTokens: number } | undefined;
  private readonly gate: TextGate;

  constructor(
    private readonly offeredTools: readonly string[],
    onText?: (delta: string) => void,
    private readonly limits: AnswerLimits = DEFAULT_ANSWER_LIMITS,
  ) {
    this.gate = new TextGate(onText, offeredTools.length > 0);
  }

  /** Takes one parsed SSE data object. */
  push(raw: unknown): Result<void, WardenError> {
    const parsed = Chunk.safeParse(raw);
    if (!parsed.success) {
      return err(
        new WardenError("MODEL_FAILED", "the model server sent a malformed stream chunk", {
          data: { issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`) },
        }),
      );
    }
    const chunk = parsed.data;
    if (chunk.usage) {
      this.usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
    }
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    if (!choice) return ok(undefined);
    const thought = choice.delta?.reasoning_content ?? choice.delta?.reasoning;
    if (thought) this.reasoning += thought;
    if (choice.delta?.content) {
      this.content += choice.delta.content;
      this.gate.update(splitThinking(this.content).answer);
    }
    for (const f of choice.delta?.tool_calls ?? []) this.addFragment(f);
    if (choice.finish_reason) this.finish = choice.finish_reason;
    this.received += (choice.delta?.content?.length ?? 0) + (thought?.length ?? 0);
    if (this.received > this.limits.maxChars || this.calls.length > this.limits.maxToolCalls) {
      return err(
        new WardenError("MODEL_FAILED", "the model's answer is larger than Warden accepts", {
          data: { chars: this.received, toolCalls: this.calls.length, ...this.limits },
        }),
      );
    }
    return ok(undefined);
  }

  private addFragment(f: Fragment): void {
    const index = f.index ?? (f.id ? this.calls.length : Math.max(this.calls.length - 1, 0));
    let call = this.byIndex.get(index);
    // Ollama-like servers send each whole call at index 0: a new id with a name at a known index is a new call
    // (a new id without a name is a continuation: some servers stamp every fragment with a fresh id)
    if (call?.id && f.id && f.id !== call.id && f.function?.name) call = undefined;
    if (!call) {
      call = { id: "", name: "", args: "" };
      this.calls.push(call);
      this.byIndex.set(index, call);
    }
    if (f.id && !call.id) call.id = f.id;
    if (f.function?.name && !call.name) call.name = f.function.name;
    const args = f.function?.arguments;
    if (typeof args === "string") call.args += args;
    else if (args) call.args = JSON.stringify(args);
    this.received += (f.function?.name?.length ?? 0) + (typeof args === "string" ? args.length : call.args.length);
  }

  /** The joined response; an error when the stream ended before the model finished. */
  result(promptChars: number): Result<ChatResponse, WardenError> {
    if (this.finish === undefined) {
      return err(
        new WardenError("MODEL_FAILED", "the model server ended the stream before the answer was complete", {
          data: { receivedChars: this.content.length, toolCalls: this.calls.length },
        }),
      );
    }
    const seen = new Set<string>();
    let toolCalls: ToolCall[] = this.calls
      .filter((c) => c.name !== "" || c.args !== "")
      .map((c, i) => {
        let id = c.id || `call_${i}`;
        while (seen.has(id)) id = `${id}_${i}`;
        seen.add(id);
        return { id, name: c.name, arguments: c.args };
      });
    const split = splitThinking(this.content);
    const reasoning = (this.reasoning + split.thinking).trim();
    let content = split.answer;
    let fromText = false;
    if (toolCalls.length === 0) {
      const recovered = recoverToolCallsFromText(content, this.offeredTools);
      if (recovered.calls.length > 0) {
        toolCalls = recovered.calls;
        content = recovered.rest;
        fromText = true;
      }
    }
    this.gate.finish(content);
    let finishReason = FINISH[this.finish] ?? "other";
    if (toolCalls.length > 0 && finishReason !== "length") finishReason = "tool_calls";
    if (toolCalls.length === 0 && finishReason === "tool_calls") finishReason = "other"; // said so, sent none
    const estimated = this.usage === undefined;
    const usage = this.usage ?? {
      promptTokens: Math.ceil(promptChars / 4),
      completionTokens: Math.ceil((this.content.length + this.calls.reduce((n, c) => n + c.args.length, 0)) / 4),
    };
    return ok({
      content,
      toolCalls,
      usage,
      finishReason,
      ...(estimated ? { usageEstimated: true } : {}),
      ...(fromText ? { toolCallsFromText: true } : {}),
      ...(reasoning !== "" ? { reasoning } : {}),
    });
  }
}
