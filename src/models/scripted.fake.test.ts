import { describe, expect, it } from "vitest";
import { WardenError } from "../errors.js";
import { ScriptedModelProvider, toolCallReply } from "./scripted.fake.js";
import type { ChatMessage } from "./types.js";

describe("ScriptedModelProvider", () => {
  it("answers from the script in order, fills defaults and records copies of each request", async () => {
    const model = new ScriptedModelProvider([toolCallReply("read_file", { path: "a" }), { content: "done" }]);
    const messages: ChatMessage[] = [{ role: "user", content: "go" }];
    const first = await model.chat({ messages, tools: [] });
    expect(first).toMatchObject({
      ok: true,
      value: { content: "", toolCalls: [{ id: "call_read_file", name: "read_file", arguments: '{"path":"a"}' }] },
    });
    expect(first.ok && first.value.finishReason).toBe("tool_calls");
    messages.push({ role: "assistant", content: "mutated later" });
    const shown: string[] = [];
    const second = await model.chat({ messages, tools: [], maxTokens: 9 }, (d) => shown.push(d));
    expect(second).toMatchObject({ ok: true, value: { content: "done", finishReason: "stop" } });
    expect(second.ok && second.value.usage.completionTokens).toBe(1);
    expect(shown).toEqual(["done"]);
    expect(model.requests.map((r) => r.messages.length)).toEqual([1, 2]);
    expect(model.requests[1]?.maxTokens).toBe(9);
  });

  it("returns scripted errors and an exhausted script as values, and honours an aborted signal", async () => {
    const model = new ScriptedModelProvider([new WardenError("TIMEOUT", "slow")]);
    expect(await model.chat({ messages: [], tools: [] })).toMatchObject({ ok: false, error: { code: "TIMEOUT" } });
    expect(await model.chat({ messages: [], tools: [] })).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
    const aborted = await model.chat({ messages: [], tools: [], signal: AbortSignal.abort() });
    expect(aborted).toMatchObject({ ok: false, error: { code: "INTERRUPTED" } });
  });

  it("can answer with a function of the request", async () => {
    const model = new ScriptedModelProvider((req, i) => ({ content: `${i}:${req.messages.at(-1)?.content}` }), {
      models: ["tiny"],
    });
    const r = await model.chat({ messages: [{ role: "user", content: "hi" }], tools: [] });
    expect(r.ok && r.value.content).toBe("0:hi");
    expect(await model.probe()).toEqual({ ok: true, value: { models: ["tiny"] } });
  });
});
