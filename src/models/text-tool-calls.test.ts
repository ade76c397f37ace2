import { describe, expect, it } from "vitest";
import { mayBeTextToolCall, recoverToolCallsFromText } from "./text-tool-calls.js";

const offered = ["read_file", "list_dir"];

describe("recoverToolCallsFromText", () => {
  it("recovers <tool_call> blocks (Hermes, Qwen) and keeps the prose around them", () => {
    const text =
      'I will read both.\n<tool_call>\n{"name": "read_file", "arguments": {"path": "a"}}\n</tool_call>\n' +
      '<tool_call>{"name": "list_dir", "parameters": {"path": "."}}</tool_call>';
    expect(recoverToolCallsFromText(text, offered)).toEqual({
      calls: [
        { id: "call_text_0", name: "read_file", arguments: '{"path":"a"}' },
        { id: "call_text_1", name: "list_dir", arguments: '{"path":"."}' },
      ],
      rest: "I will read both.",
    });
  });

  it("takes an unterminated last block to the end of the text", () => {
    const r = recoverToolCallsFromText('<tool_call>{"name": "list_dir", "arguments": {}}', offered);
    expect(r.calls).toEqual([{ id: "call_text_0", name: "list_dir", arguments: "{}" }]);
  });

  it("keeps a block with broken JSON as a call with raw arguments, so the loop reports the error", () => {
    const r = recoverToolCallsFromText(
      '<tool_call>{"name": "read_file", "arguments": {"path": "a}</tool_call>',
      offered,
    );
    expect(r.calls).toEqual([{ id: "call_text_0", name: "read_file", arguments: '{"path": "a' }]);
    expect(() => JSON.parse(r.calls[0]?.arguments ?? "")).toThrow();
  });

  it("recovers Mistral [TOOL_CALLS], Llama <|python_tag|>, fenced JSON and bare arrays", () => {
    const cases = [
      '[TOOL_CALLS][{"name": "read_file", "arguments": {"path": "x"}}]',
      '<|python_tag|>{"name": "read_file", "parameters": {"path": "x"}}',
      '```json\n{"name": "read_file", "arguments": {"path": "x"}}\n```',
      '  {"type": "function", "function": {"name": "read_file", "arguments": {"path": "x"}}}  ',
      '[{"name": "read_file", "arguments": {"path": "x"}}]',
    ];
    for (const text of cases) {
      expect(recoverToolCallsFromText(text, offered), text).toEqual({
        calls: [{ id: "call_text_0", name: "read_file", arguments: '{"path":"x"}' }],
        rest: "",
      });
    }
  });

  it("recovers Llama's <function=NAME> form with the arguments exactly as written", () => {
    const text = 'Sure.<function=read_file>{"path": "a"}</function><function=exec>{"argv": ["id"]}</function>';
    expect(recoverToolCallsFromText(text, offered)).toEqual({
      calls: [{ id: "call_text_0", name: "read_file", arguments: '{"path": "a"}' }],
      rest: 'Sure.<function=exec>{"argv": ["id"]}</function>',
    });
  });

  it("passes arguments the model double-encoded as a string on unchanged", () => {
    const r = recoverToolCallsFromText('{"name": "read_file", "arguments": "{\\"path\\": \\"x\\"}"}', offered);
    expect(r.calls[0]?.arguments).toBe('{"path": "x"}');
  });

  it("recovers nothing for tools that were not offered, JSON answers, prose, or no tools at all", () => {
    const texts = [
      '{"name": "exec", "arguments": {"argv": ["id"]}}',
      '<tool_call>{"name": "exec", "arguments": {}}</tool_call>',
      '[{"name": "read_file", "arguments": {}}, {"name": "exec", "arguments": {}}]',
      '{"name": "Alice", "age": 3}',
      'The tool read_file takes {"path": "..."}.',
      '{"name": "read_file", "arguments": {',
    ];
    for (const text of texts) expect(recoverToolCallsFromText(text, offered), text).toEqual({ calls: [], rest: text });
    expect(recoverToolCallsFromText('{"name": "read_file"}', []).calls).toEqual([]);
  });
});

describe("mayBeTextToolCall", () => {
  it("holds back text that starts like a call, not prose", () => {
    for (const t of ["", "  ", " {", "[TOOL", "<tool", "```"]) expect(mayBeTextToolCall(t), t).toBe(true);
    for (const t of ["Hello", " I will", "1. first"]) expect(mayBeTextToolCall(t), t).toBe(false);
  });
});
