// The embedded engine as a ModelProvider: a GGUF file run in-process by node-llama-cpp on the CPU. Nothing is loaded
// when the provider is made (the daemon's start-up stays fast); the engine and the model load on the first request,
// and a failed load is reported and retried on the next one. Requests run one at a time on one context. Tool calls
// use the engine's function calling: the chat template documents the tools, and once the model starts a call its
// arguments are constrained by a grammar built from the tool's schema. Never throws out of chat/probe; close() frees
// the model and the engine.
import { basename } from "node:path";
import { err, ok, type Result, WardenError } from "../errors.js";
import { runWithDeadline } from "./deadline.js";
import { toEngineFunctions, toEngineHistory } from "./embedded-history.js";
import { loadEngine } from "./engine.js";
import type { Llama, LlamaChat, LlamaContext, LlamaContextSequence, LlamaModel, NodeLlamaCpp } from "./engine-types.js";
import type { ChatRequest, ChatResponse, ModelProvider, ToolCall } from "./types.js";

export interface EmbeddedOptions {
  /** the GGUF file */
  modelPath: string;
  /** folders searched for the installed engine (see engine.ts engineDirs) */
  engineDirs: readonly string[];
  /** context window in tokens; default 4096 (room for the function-calling prompt), capped by the model's own */
  contextSize?: number;
  /** CPU threads; default: the engine's choice (all cores) */
  threads?: number;
  /** sampling temperature; 0 (the default) picks the likeliest token: the same prompt gives the same answer */
  temperature?: number;
  seed?: number;
  /** per request, loading included; default 300 s (a CPU is slow) */
  timeoutMs?: number;
  /** default answer length when the request gives none */
  maxTokens?: number;
  /** the engine module itself, when the caller has it already (tests); else it is imported from engineDirs */
  engine?: NodeLlamaCpp;
}

export interface EmbeddedProvider extends ModelProvider {
  close(): Promise<void>;
  /** milliseconds the last load took (engine + model + context), for logs and benchmarks */
  readonly loadMs: number | undefined;
}

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  chat: LlamaChat;
}

function reasonOf(stop: string, calls: number): ChatResponse["finishReason"] {
  if (calls > 0) return "tool_calls";
  if (stop === "maxTokens") return "length";
  if (stop === "eogToken" || stop === "stopGenerationTrigger" || stop === "customStopTrigger") return "stop";
  return "other";
}

export function createEmbeddedProvider(options: EmbeddedOptions): EmbeddedProvider {
  const file = basename(options.modelPath);
  let loading: Promise<Result<Loaded, WardenError>> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  let loadMs: number | undefined;
  let callCounter = 0;
  // aborts the running request when the provider closes (daemon stop): close never waits on a long generation
  const closing = new AbortController();

  const load = async (): Promise<Result<Loaded, WardenError>> => {
    const started = performance.now();
    const engine = options.engine ? ok(options.engine) : await loadEngine(options.engineDirs);
    if (!engine.ok) return engine;
    let llama: Llama | undefined;
    let model: LlamaModel | undefined;
    try {
      llama = await engine.value.getLlama({ gpu: false, build: "never", logLevel: "error", progressLogs: false });
      model = await llama.loadModel({ modelPath: options.modelPath, gpuLayers: 0 });
      const contextSize = Math.min(options.contextSize ?? 4096, model.trainContextSize || 4096);
      const context = await model.createContext({
        contextSize,
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
      });
      const sequence = context.getSequence();
      const chat = new engine.value.LlamaChat({ contextSequence: sequence });
      loadMs = performance.now() - started;
      return ok({ llama, model, context, sequence, chat });
    } catch (e) {
      await model?.dispose().catch(() => {});
      await llama?.dispose().catch(() => {});
      return err(
        new WardenError(
          "MODEL_FAILED",
          `cannot load the model ${options.modelPath}: ${String(e)}`,
          {
            fix: "check that the file is a complete GGUF model (warden model list), or run `warden model pull`",
          },
          { cause: e },
        ),
      );
    }
  };

  const loaded = async (): Promise<Result<Loaded, WardenError>> => {
    if (closed) return err(new WardenError("MODEL_FAILED", "the embedded model was closed"));
    loading ??= load();
    const r = await loading;
    if (!r.ok) loading = undefined; // a failed load is tried again on the next request
    return r;
  };

  const generate = async (
    req: ChatRequest,
    onText: ((delta: string) => void) | undefined,
    signal: AbortSignal,
  ): Promise<Result<ChatResponse, WardenError>> => {
    const l = await loaded();
    if (!l.ok) return l;
    if (signal.aborted) throw signal.reason;
    const functions = toEngineFunctions(req.tools);
    const outputBefore = l.value.sequence.tokenMeter.usedOutputTokens;
    // the arguments exactly as the model wrote them (the engine's parsed params would lose their spelling)
    const rawArgs: string[] = [];
    const result = await l.value.chat.generateResponse(toEngineHistory(req.messages), {
      ...(functions ? { functions, documentFunctionParams: true } : {}),
      onTextChunk: (t) => {
        if (t !== "") onText?.(t);
      },
      ...(functions
        ? {
            onFunctionCallParamsChunk: (c: { callIndex: number; paramsChunk: string }) => {
              rawArgs[c.callIndex] = (rawArgs[c.callIndex] ?? "") + c.paramsChunk;
            },
          }
        : {}),
      signal,
      maxTokens: req.maxTokens ?? options.maxTokens ?? 1024,
      temperature: options.temperature ?? 0,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    const toolCalls: ToolCall[] = (result.functionCalls ?? []).map((c, i) => ({
      id: `call_${++callCounter}_${Date.now().toString(36)}`,
      name: c.functionName,
      arguments: rawArgs[i]?.trim() || JSON.stringify(c.params ?? {}),
    }));
    // every token generated, function calls included; the context now holds the prompt plus those
    const completion = l.value.sequence.tokenMeter.usedOutputTokens - outputBefore;
    const used = l.value.sequence.contextTokens.length;
    return ok({
      content: result.response,
      toolCalls,
      usage: { promptTokens: Math.max(0, used - completion), completionTokens: completion },
      finishReason: reasonOf(result.metadata.stopReason, toolCalls.length),
    });
  };

  const provider: EmbeddedProvider = {
    id: `embedded:${file}`,
    get loadMs() {
      return loadMs;
    },
    async chat(req, onText) {
      if (closed) return err(new WardenError("MODEL_FAILED", "the embedded model was closed"));
      if (req.signal?.aborted) return err(new WardenError("INTERRUPTED", "the model call was cancelled"));
      const timeoutMs = options.timeoutMs ?? 300_000;
      // one request at a time: the context holds one conversation
      const stop = req.signal ? AbortSignal.any([req.signal, closing.signal]) : closing.signal;
      let running: Promise<unknown> = Promise.resolve();
      const turn = queue.then(() =>
        runWithDeadline(timeoutMs, stop, (signal) => {
          const work = generate(req, onText, signal);
          running = work.catch(() => {});
          return work;
        }),
      );
      // the next request waits until this generation has really stopped, not only until its caller gave up on it
      queue = turn.then(
        () => running,
        () => running,
      );
      const outcome = await turn;
      switch (outcome.kind) {
        case "done":
          return outcome.value;
        case "timeout":
          return err(new WardenError("TIMEOUT", `the embedded model gave no answer within ${timeoutMs} ms`));
        case "aborted":
          return err(new WardenError("INTERRUPTED", "the model call was cancelled"));
        case "failed":
          return err(
            new WardenError(
              "MODEL_FAILED",
              `the embedded model failed: ${String(outcome.error)}`,
              {
                fix: `a conversation too long for the context (${options.contextSize ?? 4096} tokens) fails this way: raise model.contextSize`,
              },
              {
                cause: outcome.error,
              },
            ),
          );
      }
    },
    async probe() {
      const l = await loaded();
      return l.ok ? ok({ models: [file] }) : l;
    },
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      const pending = loading;
      loading = undefined;
      await queue.catch(() => {});
      const l = pending ? await pending : undefined;
      if (l?.ok) {
        l.value.chat.dispose();
        await l.value.context.dispose().catch(() => {});
        await l.value.model.dispose().catch(() => {});
        await l.value.llama.dispose().catch(() => {});
      }
    },
  };
  return provider;
}
