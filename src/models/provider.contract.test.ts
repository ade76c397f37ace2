// One contract suite, run against every ModelProvider available here: the scripted fake, the OpenAI-compatible
// provider against the fake server, the Anthropic provider against a fake Messages API, and the embedded engine (the
// real node-llama-cpp) running a scripted tiny GGUF. The engine's grammar makes invalid JSON arguments impossible, and
// its failures are real ones (a file that does not load, replaced by a good one before the next request), so a
// backend says which of those it can play.
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeAnthropic } from "../../test/support/fake-anthropic.js";
import { startFakeOpenAI } from "../../test/support/fake-openai.js";
import { writeTinyLlamaGguf } from "../../test/support/gguf.js";
import { tempDir } from "../../test/support/tmp.js";
import { WardenError } from "../errors.js";
import { createAnthropicProvider } from "./anthropic.js";
import { createEmbeddedProvider } from "./embedded.js";
import { engineDirs } from "./engine.js";
import { createOpenAICompatibleProvider } from "./openai-compatible.js";
import { ScriptedModelProvider, toolCallReply } from "./scripted.fake.js";
import type { ChatRequest, ModelProvider } from "./types.js";

type Turn = { content: string } | { call: { name: string; arguments: string } } | "fail";

interface Made {
  provider: ModelProvider;
  close(): Promise<void>;
  /** called after a scripted failure, before the next request */
  afterFailure?(): Promise<void>;
}

interface Backend {
  make(turns: Turn[]): Promise<Made>;
  /** can return tool-call arguments that are not valid JSON */
  invalidJson: boolean;
}

/** The pieces a scripted tiny model writes for one turn (distinct vocabulary pieces; see test/support/gguf.ts). */
function embeddedScript(turn: Turn): string[] {
  if (turn === "fail") return [];
  if ("content" in turn) return turn.content.split(/(?=[ ,.])/).map((p) => p.replace(/^ /, "▁"));
  return [
    "||call:",
    `▁${turn.call.name}`,
    "(",
    ...turn.call.arguments.split(/(?= )/).map((p) => p.replace(/^ /, "▁")),
    ")",
  ];
}

async function embeddedBackend(turns: Turn[]): Promise<Made> {
  const dir = await tempDir();
  const path = join(dir.path, "model.gguf");
  // one scripted model plays one turn; a failure first is a file that does not load, fixed before the next request
  const good = turns.find((t) => t !== "fail") ?? { content: "x" };
  if (turns[0] === "fail") await writeFile(path, "not a model");
  else await writeTinyLlamaGguf(path, { script: embeddedScript(good) });
  const provider = createEmbeddedProvider({ modelPath: path, engineDirs: engineDirs(undefined), threads: 1 });
  return {
    provider,
    afterFailure: async () => {
      await rm(path);
      await writeTinyLlamaGguf(path, { script: embeddedScript(good) });
    },
    close: async () => {
      await provider.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

const backends: [string, Backend][] = [
  [
    "scripted fake",
    {
      invalidJson: true,
      make: async (turns) => ({
        provider: new ScriptedModelProvider(
          turns.map((t) =>
            t === "fail"
              ? new WardenError("MODEL_FAILED", "scripted failure")
              : "call" in t
                ? toolCallReply(t.call.name, t.call.arguments)
                : { content: t.content },
          ),
        ),
        close: async () => {},
      }),
    },
  ],
  [
    "openai-compatible + fake server",
    {
      invalidJson: true,
      make: async (turns) => {
        const fake = await startFakeOpenAI({
          script: turns.map((t) =>
            t === "fail"
              ? { status: 500 }
              : "call" in t
                ? { toolCalls: [{ name: t.call.name, arguments: t.call.arguments }] }
                : { content: t.content },
          ),
          models: ["contract-model"],
        });
        return { provider: createOpenAICompatibleProvider({ baseUrl: fake.baseUrl, model: "m" }), close: fake.close };
      },
    },
  ],
  [
    "anthropic + fake Messages API",
    {
      invalidJson: true,
      make: async (turns) => {
        const fake = await startFakeAnthropic({
          script: turns.map((t) =>
            t === "fail"
              ? { status: 529, type: "overloaded_error", message: "Overloaded" }
              : "call" in t
                ? { toolUses: [{ name: t.call.name, input: t.call.arguments }] }
                : { text: t.content },
          ),
        });
        return {
          provider: createAnthropicProvider({ baseUrl: fake.baseUrl, model: "claude-fake", apiKey: "k" }),
          close: fake.close,
        };
      },
    },
  ],
  ["embedded engine + scripted tiny GGUF", { invalidJson: false, make: embeddedBackend }],
];

const request = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: "user", content: "hi" }],
  tools: [{ name: "read_file", description: "Read a file", parameters: { type: "object" } }],
  ...extra,
});

describe.each(backends)("ModelProvider contract: %s", (_name, backend) => {
  let made: Made | undefined;
  const start = async (turns: Turn[]) => {
    made = await backend.make(turns);
    return made.provider;
  };
  afterEach(async () => {
    await made?.close();
    made = undefined;
  });

  it("answers text, streamed to onText, with usage and finish reason stop", async () => {
    const provider = await start([{ content: "Hello, owner." }]);
    const shown: string[] = [];
    const r = await provider.chat(request(), (d) => shown.push(d));
    expect(r).toMatchObject({ ok: true, value: { content: "Hello, owner.", toolCalls: [], finishReason: "stop" } });
    expect(shown.join("")).toBe("Hello, owner.");
    expect(r.ok && r.value.usage.promptTokens).toBeGreaterThanOrEqual(0);
    expect(r.ok && r.value.usage.completionTokens).toBeGreaterThanOrEqual(0);
  });

  it("returns tool calls with an id and the arguments as raw text, invalid JSON included where possible", async () => {
    const cases = backend.invalidJson ? ['{"path": "a"}', '{"path": '] : ['{"path": "a"}'];
    const provider = await start(cases.map((args) => ({ call: { name: "read_file", arguments: args } })));
    for (const args of cases) {
      const r = await provider.chat(request());
      expect(r).toMatchObject({ ok: true, value: { finishReason: "tool_calls" } });
      const calls = r.ok ? r.value.toolCalls : [];
      expect(calls.map((c) => [c.name, c.arguments])).toEqual([["read_file", args]]);
      expect(calls[0]?.id).not.toBe("");
    }
  });

  it("returns a failure as a MODEL_FAILED value, and keeps working after it", async () => {
    const provider = await start(["fail", { content: "recovered" }]);
    expect(await provider.chat(request({ tools: [] }))).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    await made?.afterFailure?.();
    expect(await provider.chat(request({ tools: [] }))).toMatchObject({ ok: true, value: { content: "recovered" } });
  });

  it("returns INTERRUPTED for an aborted signal", async () => {
    const provider = await start([{ content: "never" }]);
    const r = await provider.chat(request({ signal: AbortSignal.abort() }));
    expect(r).toMatchObject({ ok: false, error: { code: "INTERRUPTED" } });
  });

  it("probes: a list of model names", async () => {
    const provider = await start([]);
    const r = await provider.probe();
    expect(r.ok && r.value.models.length).toBeGreaterThan(0);
    expect(provider.id).not.toBe("");
  });
});
