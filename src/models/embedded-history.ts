// Translates between Warden's chat messages and node-llama-cpp's chat history: assistant turns with tool calls and
// the tool results that answer them become one model response holding function calls with their results (how the
// engine renders them through the model's chat template); tool JSON Schemas become the engine's grammar schema
// subset, so the arguments the model writes are constrained to the schema while it writes them. Pure functions.
import type { ChatFunctions, FunctionCallItem, GbnfSchema, HistoryItem } from "./engine-types.js";
import type { ChatMessage, ToolSpec } from "./types.js";

/** Arguments the model sent as text: parsed when they are JSON, else kept as the raw text (shown back as written). */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function toEngineHistory(messages: readonly ChatMessage[]): HistoryItem[] {
  const history: HistoryItem[] = [];
  const calls = new Map<string, FunctionCallItem>();
  let open: Extract<HistoryItem, { type: "model" }> | undefined;
  let afterTool = false;
  for (const m of messages) {
    if (m.role === "system" || m.role === "user") {
      history.push({ type: m.role, text: m.content });
      open = undefined;
      afterTool = false;
      continue;
    }
    if (m.role === "assistant") {
      // an answer that follows tool results continues the same model response, as the engine generates it
      if (!open || !afterTool) {
        open = { type: "model", response: [] };
        history.push(open);
      }
      if (m.content !== "") open.response.push(m.content);
      for (const c of m.toolCalls ?? []) {
        const item: FunctionCallItem = {
          type: "functionCall",
          name: c.name,
          params: parseArguments(c.arguments),
          result: "(no result)",
        };
        calls.set(c.id, item);
        open.response.push(item);
      }
      afterTool = false;
      continue;
    }
    // a tool result: attach it to the call it answers; one that answers no known call is shown as plain text
    const call = m.toolCallId !== undefined ? calls.get(m.toolCallId) : undefined;
    if (call) {
      call.result = m.content;
      afterTool = true;
    } else {
      history.push({ type: "user", text: `(tool result) ${m.content}` });
      open = undefined;
      afterTool = false;
    }
  }
  return history;
}

const SIMPLE = new Set(["string", "number", "integer", "boolean", "null"]);
const FORMATS = new Set(["date-time", "time", "date"]);
const ANY: GbnfSchema = {
  oneOf: [
    { type: ["string", "number", "boolean", "null"] },
    { type: "object", additionalProperties: true },
    { type: "array" },
  ],
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function withDescription(out: Record<string, unknown>, s: Record<string, unknown>): GbnfSchema {
  if (typeof s.description === "string") out.description = s.description;
  return out;
}

/** One JSON Schema node to the engine's schema subset; keywords it has no grammar for are dropped (the loop still
 * validates every argument against the full schema). */
export function toGrammarSchema(schema: unknown, depth = 0): GbnfSchema {
  if (!isRecord(schema) || depth > 16) return ANY;
  if ("const" in schema) return withDescription({ const: schema.const }, schema);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return withDescription({ enum: schema.enum }, schema);
  const alternatives = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : null;
  if (alternatives) {
    return withDescription({ oneOf: alternatives.map((a) => toGrammarSchema(a, depth + 1)) }, schema);
  }
  const type = schema.type;
  if (Array.isArray(type)) {
    if (type.every((t) => typeof t === "string" && SIMPLE.has(t))) return withDescription({ type }, schema);
    return { oneOf: type.map((t) => toGrammarSchema({ ...schema, type: t }, depth + 1)) };
  }
  switch (type) {
    case "string": {
      const out: Record<string, unknown> = { type };
      if (typeof schema.format === "string" && FORMATS.has(schema.format)) out.format = schema.format;
      else {
        if (typeof schema.minLength === "number") out.minLength = schema.minLength;
        if (typeof schema.maxLength === "number") out.maxLength = schema.maxLength;
      }
      return withDescription(out, schema);
    }
    case "number":
    case "integer":
    case "boolean":
    case "null":
      return withDescription({ type }, schema);
    case "array": {
      const out: Record<string, unknown> = { type };
      if (schema.items !== undefined) out.items = toGrammarSchema(schema.items, depth + 1);
      if (typeof schema.minItems === "number") out.minItems = schema.minItems;
      if (typeof schema.maxItems === "number") out.maxItems = schema.maxItems;
      return withDescription(out, schema);
    }
    case "object": {
      const props = isRecord(schema.properties) ? schema.properties : {};
      const names = Object.keys(props);
      const out: Record<string, unknown> = { type };
      if (names.length > 0) {
        out.properties = Object.fromEntries(names.map((n) => [n, toGrammarSchema(props[n], depth + 1)]));
        const required = Array.isArray(schema.required) ? schema.required : [];
        out.required = required.filter((r): r is string => typeof r === "string" && names.includes(r));
      }
      // an object with named properties takes only those; a free-form object takes anything
      const extra = schema.additionalProperties;
      out.additionalProperties = isRecord(extra) ? toGrammarSchema(extra, depth + 1) : names.length === 0;
      return withDescription(out, schema);
    }
    default:
      return ANY;
  }
}

export function toEngineFunctions(tools: readonly ToolSpec[]): ChatFunctions | undefined {
  if (tools.length === 0) return undefined;
  return Object.fromEntries(
    tools.map((t) => [t.name, { description: t.description, params: toGrammarSchema(t.parameters) }]),
  );
}
