// One contract suite, run against every ModelProvider available here: the scripted fake, and the OpenAI-compatible
// provider against the fake server. The embedded engine joins this list when it lands.
import { afterEach, describe, expect, it } from "vitest";
import { startFakeOpenAI } from "../../test/support/fake-openai.js";
import { WardenError } from "../errors.js";
import { createOpenAICompatibleProvider } from "./openai-compatible.js";
import { ScriptedModelProvider, toolCallReply } from "./scripted.fake.js";
import type { ChatRequest, ModelProvider } from "./types.js";

type Turn = { content: string } | { call: { name: string; arguments: string } } | "fail";

interface Made {
  provider: ModelProvider;
  close(): Promise<void>;
}

const backends: [string, (turns: Turn[]) => Promise<Made>][] = [
  [
    "scripted fake",
    async (turns) => ({
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
  ],
  [
    "openai-compatible + fake server",
    async (turns) => {
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
  ],
];

const request = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: "user", content: "hi" }],
  tools: [{ name: "read_file", description: "Read a file", parameters: { type: "object" } }],
  ...extra,
});

describe.each(backends)("ModelProvider contract: %s", (_name, make) => {
  let made: Made | undefined;
  const start = async (turns: Turn[]) => {
    made = await make(turns);
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

  it("returns tool calls with an id and the arguments as raw text, invalid JSON included", async () => {
    const provider = await start([
      { call: { name: "read_file", arguments: '{"path": "a"}' } },
      { call: { name: "read_file", arguments: '{"path": ' } },
    ]);
    for (const args of ['{"path": "a"}', '{"path": ']) {
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
