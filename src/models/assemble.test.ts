import { describe, expect, it } from "vitest";
import { StreamAssembler } from "./assemble.js";

const delta = (d: Record<string, unknown>, finish: string | null = null) => ({
  choices: [{ index: 0, delta: d, finish_reason: finish }],
});

describe("StreamAssembler", () => {
  it("joins fragments without an index to the call before, and starts a new call on a new id", () => {
    const a = new StreamAssembler(["f"]);
    for (const c of [
      delta({ tool_calls: [{ id: "x", function: { name: "f", arguments: '{"a"' } }] }),
      delta({ tool_calls: [{ function: { arguments: ": 1}" } }] }),
      delta({ tool_calls: [{ id: "y", function: { name: "f", arguments: "{}" } }] }),
      delta({}, "tool_calls"),
    ]) {
      expect(a.push(c).ok).toBe(true);
    }
    const r = a.result(0);
    expect(r.ok && r.value.toolCalls).toEqual([
      { id: "x", name: "f", arguments: '{"a": 1}' },
      { id: "y", name: "f", arguments: "{}" },
    ]);
  });

  it("keeps fragments stamped with fresh ids but no name in the call they continue", () => {
    const a = new StreamAssembler(["f"]);
    a.push(delta({ tool_calls: [{ index: 0, id: "a1", function: { name: "f", arguments: '{"x"' } }] }));
    a.push(delta({ tool_calls: [{ index: 0, id: "a2", function: { arguments: ": 2}" } }] }));
    a.push(delta({}, "tool_calls"));
    const r = a.result(0);
    expect(r.ok && r.value.toolCalls).toEqual([{ id: "a1", name: "f", arguments: '{"x": 2}' }]);
  });

  it("accepts arguments sent as an object, and gives missing or repeated ids unique names", () => {
    const a = new StreamAssembler(["f"]);
    a.push(delta({ tool_calls: [{ index: 0, function: { name: "f", arguments: { path: "a" } } }] }));
    a.push(delta({ tool_calls: [{ index: 1, id: "dup", function: { name: "f", arguments: "{}" } }] }));
    a.push(delta({ tool_calls: [{ index: 2, id: "dup", function: { name: "f", arguments: "{}" } }] }));
    a.push(delta({}, "stop"));
    const r = a.result(0);
    const calls = r.ok ? r.value.toolCalls : [];
    expect(calls[0]).toEqual({ id: "call_0", name: "f", arguments: '{"path":"a"}' });
    expect(new Set(calls.map((c) => c.id)).size).toBe(3);
    expect(r.ok && r.value.finishReason).toBe("tool_calls");
  });

  it("keeps finish reason length when tool calls were cut short, and maps unknown reasons to other", () => {
    const cut = new StreamAssembler(["f"]);
    cut.push(delta({ tool_calls: [{ index: 0, id: "a", function: { name: "f", arguments: '{"pa' } }] }, "length"));
    expect(cut.result(0)).toMatchObject({ ok: true, value: { finishReason: "length" } });
    const odd = new StreamAssembler([]);
    odd.push(delta({ content: "hm" }, "content_filter"));
    expect(odd.result(0)).toMatchObject({ ok: true, value: { finishReason: "other", content: "hm" } });
    const none = new StreamAssembler([]);
    none.push(delta({}, "tool_calls"));
    expect(none.result(0)).toMatchObject({ ok: true, value: { finishReason: "other", toolCalls: [] } });
  });

  it("shows prose as it streams but holds back a <tool_call> tag split across deltas", () => {
    const shown: string[] = [];
    const a = new StreamAssembler(["f"], (d) => shown.push(d));
    for (const piece of ["Checking", " now. <to", "ol_call>", '{"name": "f", "arguments": {}}', "</tool_call>"]) {
      a.push(delta({ content: piece }));
    }
    expect(shown.join("")).toBe("Checking now. ");
    a.push(delta({}, "stop"));
    const r = a.result(0);
    expect(r.ok && r.value).toMatchObject({ content: "Checking now.", toolCalls: [{ name: "f" }] });
    expect(shown.join("")).toBe("Checking now. "); // nothing of the call was ever shown
  });

  it("holds back a <function= tag too", () => {
    const shown: string[] = [];
    const a = new StreamAssembler(["f"], (d) => shown.push(d));
    for (const piece of ["On it. <func", 'tion=f>{"a": 1}', "</function>"]) a.push(delta({ content: piece }));
    a.push(delta({}, "stop"));
    expect(a.result(0)).toMatchObject({ ok: true, value: { toolCalls: [{ name: "f", arguments: '{"a": 1}' }] } });
    expect(shown.join("")).toBe("On it. ");
  });

  it("streams everything live when no tools are offered", () => {
    const shown: string[] = [];
    const a = new StreamAssembler([], (d) => shown.push(d));
    a.push(delta({ content: '{"name": "f"}' }));
    expect(shown).toEqual(['{"name": "f"}']);
  });

  it("ignores other choices and reads usage from the final chunk", () => {
    const a = new StreamAssembler([]);
    a.push({ choices: [{ index: 1, delta: { content: "other" }, finish_reason: null }] });
    a.push(delta({ content: "mine" }, "stop"));
    a.push({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 } });
    expect(a.result(0)).toEqual({
      ok: true,
      value: { content: "mine", toolCalls: [], usage: { promptTokens: 7, completionTokens: 1 }, finishReason: "stop" },
    });
  });

  it("refuses chunks of the wrong shape", () => {
    const a = new StreamAssembler([]);
    expect(a.push({ choices: [{ delta: { content: 42 } }] })).toMatchObject({
      ok: false,
      error: { code: "MODEL_FAILED" },
    });
    expect(a.push("text")).toMatchObject({ ok: false, error: { code: "MODEL_FAILED" } });
  });

  it("splits a leading <think> block off as reasoning, and never shows it", () => {
    const shown: string[] = [];
    const a = new StreamAssembler(["f"], (d) => shown.push(d));
    for (const piece of ["<think>", "the owner wants", " a file</think>\n", "Reading", " it now."]) {
      a.push(delta({ content: piece }));
    }
    a.push(delta({}, "stop"));
    expect(a.result(0)).toMatchObject({
      ok: true,
      value: { content: "Reading it now.", reasoning: "the owner wants a file" },
    });
    expect(shown.join("")).toBe("Reading it now.");
  });

  it("keeps reasoning sent apart (reasoning_content, reasoning) out of the answer, and finds a call after thinking", () => {
    const a = new StreamAssembler(["f"]);
    a.push(delta({ reasoning_content: "step one. " }));
    a.push(delta({ reasoning: "step two." }));
    a.push(
      delta({ content: '<think>more</think><tool_call>{"name": "f", "arguments": {"x": 1}}</tool_call>' }, "stop"),
    );
    const r = a.result(0);
    expect(r.ok && r.value).toMatchObject({
      content: "",
      reasoning: "step one. step two.more",
      toolCalls: [{ name: "f", arguments: '{"x":1}' }],
    });
  });
});
