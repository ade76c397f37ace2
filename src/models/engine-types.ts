// The part of node-llama-cpp 3.21's API that Warden uses, typed here because the engine is an optional install that
// the type checker never sees. Kept to exactly what embedded.ts and embedded-history.ts call; when the pinned version
// changes, check these shapes against its index.d.ts.

export type GbnfSchema = Readonly<Record<string, unknown>>;

export interface FunctionCallItem {
  type: "functionCall";
  name: string;
  description?: string;
  params: unknown;
  result: unknown;
  rawCall?: unknown;
  startsNewChunk?: boolean;
}

export type HistoryItem =
  | { type: "system"; text: string }
  | { type: "user"; text: string }
  | { type: "model"; response: Array<string | FunctionCallItem> };

export type ChatFunctions = Record<string, { description?: string; params?: GbnfSchema }>;

export interface GenerateOptions {
  functions?: ChatFunctions;
  documentFunctionParams?: boolean;
  maxParallelFunctionCalls?: number;
  onTextChunk?: (text: string) => void;
  onFunctionCallParamsChunk?: (chunk: {
    callIndex: number;
    functionName: string;
    paramsChunk: string;
    done: boolean;
  }) => void;
  signal?: AbortSignal;
  stopOnAbortSignal?: boolean;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  topK?: number;
  topP?: number;
}

export interface GenerateResult {
  response: string;
  functionCalls?: Array<{ functionName: string; params: unknown; raw: unknown }>;
  metadata: { stopReason: string };
}

export interface LlamaChat {
  generateResponse(history: HistoryItem[], options: GenerateOptions): Promise<GenerateResult>;
  dispose(): void;
}

export interface LlamaContextSequence {
  readonly contextTokens: readonly number[];
  readonly tokenMeter: { readonly usedInputTokens: number; readonly usedOutputTokens: number };
}

export interface LlamaContext {
  readonly contextSize: number;
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}

export interface LlamaModel {
  readonly trainContextSize: number;
  createContext(options: { contextSize?: number; threads?: number; seed?: number }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface Llama {
  loadModel(options: { modelPath: string; gpuLayers?: number; useMmap?: boolean }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}

export interface NodeLlamaCpp {
  getLlama(options: {
    gpu: false;
    build: "never";
    logLevel?: "disabled" | "fatal" | "error" | "warn" | "info" | "log" | "debug";
    logger?: (level: string, message: string) => void;
    progressLogs?: boolean;
    skipDownload?: boolean;
    usePrebuiltBinaries?: boolean;
  }): Promise<Llama>;
  LlamaChat: new (options: { contextSequence: LlamaContextSequence; autoDisposeSequence?: boolean }) => LlamaChat;
}
