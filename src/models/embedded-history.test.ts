import { describe, expect, it } from "vitest";
import { toEngineFunctions, toEngineHistory, toGrammarSchema } from "./embedded-history.js";

describe("toEngineHistory", () => {
  it("joins tool calls, their results and the answer after them into one model response", () => {
    const history = toEngineHistory([
      { role: "system", content: "be careful" },
      { role: "user", content: "read a" },
      {
        role: "assistant",
        content: "reading",
        toolCalls: [
          { id: "1", name: "read_file", arguments: '{"path":"a"}' },
          { id: "2", name: "read_file", arguments: '{"path": ' },
        ],
      },
      { role: "tool", toolCallId: "1", content: "A" },
      { role: "tool", toolCallId: "2", content: "error: invalid JSON" },
      { role: "assistant", content: "done" },
      { role: "user", content: "thanks" },
    ]);
    expect(history).toEqual([
      { type: "system", text: "be careful" },
      { type: "user", text: "read a" },
      {
        type: "model",
        response: [
          "reading",
          { type: "functionCall", name: "read_file", params: { path: "a" }, result: "A" },
          // arguments that were not JSON are shown back as the model wrote them
          { type: "functionCall", name: "read_file", params: '{"path": ', result: "error: invalid JSON" },
          "done",
        ],
      },
      { type: "user", text: "thanks" },
    ]);
  });

  it("keeps an unanswered call with a placeholder result, and an orphan tool result as text", () => {
    const history = toEngineHistory([
      { role: "user", content: "go" },
      { role: "assistant", content: "", toolCalls: [{ id: "x", name: "list_dir", arguments: "{}" }] },
      { role: "tool", toolCallId: "nope", content: "stray" },
    ]);
    expect(history).toEqual([
      { type: "user", text: "go" },
      { type: "model", response: [{ type: "functionCall", name: "list_dir", params: {}, result: "(no result)" }] },
      { type: "user", text: "(tool result) stray" },
    ]);
  });

  it("starts a new model response for an assistant turn that follows no tool result", () => {
    const history = toEngineHistory([
      { role: "assistant", content: "one" },
      { role: "assistant", content: "two" },
    ]);
    expect(history).toEqual([
      { type: "model", response: ["one"] },
      { type: "model", response: ["two"] },
    ]);
  });
});

describe("toGrammarSchema", () => {
  it("keeps what a grammar can enforce and drops the rest", () => {
    expect(
      toGrammarSchema({
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: {
          path: { type: "string", minLength: 1, pattern: "^[a-z]+$", description: "where" },
          mode: { enum: ["r", "w"] },
          n: { type: "integer", minimum: 0 },
          tags: { type: "array", items: { type: "string" }, maxItems: 3 },
          when: { type: "string", format: "date-time" },
          note: { type: ["string", "null"] },
          either: { anyOf: [{ type: "string" }, { type: "number" }] },
        },
        required: ["path", "ghost"],
        additionalProperties: false,
      }),
    ).toEqual({
      type: "object",
      properties: {
        path: { type: "string", minLength: 1, description: "where" },
        mode: { enum: ["r", "w"] },
        n: { type: "integer" },
        tags: { type: "array", items: { type: "string" }, maxItems: 3 },
        when: { type: "string", format: "date-time" },
        note: { type: ["string", "null"] },
        either: { oneOf: [{ type: "string" }, { type: "number" }] },
      },
      required: ["path"],
      additionalProperties: false,
    });
  });

  it("turns a free-form object into one that takes anything, and an unknown node into any value", () => {
    expect(toGrammarSchema({ type: "object" })).toEqual({ type: "object", additionalProperties: true });
    const any = toGrammarSchema({ $ref: "#/$defs/x" });
    expect(any).toHaveProperty("oneOf");
    expect(toGrammarSchema("not a schema")).toEqual(any);
  });

  it("gives no functions for no tools", () => {
    expect(toEngineFunctions([])).toBeUndefined();
    expect(toEngineFunctions([{ name: "t", description: "d", parameters: { type: "object" } }])).toEqual({
      t: { description: "d", params: { type: "object", additionalProperties: true } },
    });
  });
});
