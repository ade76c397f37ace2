// Recovers tool calls that a model wrote as plain text (a server or chat template without tool support):
// `<tool_call>{...}</tool_call>` blocks (Hermes, Qwen), `[TOOL_CALLS][...]` (Mistral), `<|python_tag|>{...}` and
// `<function=NAME>{...}</function>` (Llama 3.x)
// and an answer that is nothing but a JSON object or array naming a tool (optionally in a ```json fence).
// Only tools offered in the request are recovered; anything else stays text. Arguments are returned as raw text: this
// module never judges them (the agent loop validates them against the tool's schema). Never throws.
import * as z from "zod";
import type { ToolCall } from "./types.js";

export interface TextToolCalls {
  calls: ToolCall[];
  /** the text with the recovered calls taken out */
  rest: string;
}

const CallObject = z.lazy(() =>
  z.union([
    z.object({ name: z.string(), arguments: z.unknown().optional(), parameters: z.unknown().optional() }),
    z.object({ function: z.object({ name: z.string(), arguments: z.unknown().optional() }) }),
  ]),
);

function argsText(value: unknown): string {
  if (value === undefined || value === null) return "{}";
  if (typeof value === "string") return value; // double-encoded by the model: passed on as it came
  return JSON.stringify(value);
}

function fromObject(value: unknown, offered: ReadonlySet<string>): { name: string; arguments: string } | undefined {
  const parsed = CallObject.safeParse(value);
  if (!parsed.success) return undefined;
  const v = parsed.data;
  const call =
    "function" in v
      ? { name: v.function.name, arguments: argsText(v.function.arguments) }
      : { name: v.name, arguments: argsText(v.arguments ?? v.parameters) };
  return offered.has(call.name) ? call : undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Every element must name an offered tool, or nothing is recovered (a JSON answer that merely mentions a tool). */
function fromJsonText(text: string, offered: ReadonlySet<string>): Array<{ name: string; arguments: string }> {
  const parsed = parseJson(text);
  if (!parsed.ok) return [];
  const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  const calls = items.map((item) => fromObject(item, offered));
  if (calls.length === 0 || calls.some((c) => c === undefined)) return [];
  return calls as Array<{ name: string; arguments: string }>;
}

/**
 * A `<tool_call>` block whose JSON does not parse: the tag shows intent, so when it names an offered tool the call is
 * kept with its raw (broken) arguments, and the loop answers the model with the parse error instead of executing.
 */
function fromBrokenBlock(inner: string, offered: ReadonlySet<string>): { name: string; arguments: string } | undefined {
  const name = /"name"\s*:\s*"([^"\\]+)"/.exec(inner)?.[1];
  if (name === undefined || !offered.has(name)) return undefined;
  const key = /"(?:arguments|parameters)"\s*:/.exec(inner);
  if (!key) return { name, arguments: inner.trim() };
  const after = inner.slice(key.index + key[0].length).trim();
  return { name, arguments: after.endsWith("}") ? after.slice(0, -1).trim() : after };
}

const FENCE = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/;

export function recoverToolCallsFromText(text: string, offeredNames: Iterable<string>): TextToolCalls {
  const offered = new Set(offeredNames);
  const none = { calls: [], rest: text };
  if (offered.size === 0) return none;
  const found: Array<{ name: string; arguments: string }> = [];
  let rest = text;

  if (text.includes("<tool_call>")) {
    // a missing closing tag (generation stopped at the end-of-turn token) runs to the end of the text
    const block = /<tool_call>([\s\S]*?)(?:<\/tool_call>|$)/g;
    rest = text.replace(block, (whole, inner: string) => {
      const trimmed = inner.trim();
      const calls = fromJsonText(trimmed, offered);
      if (calls.length > 0) {
        found.push(...calls);
        return "";
      }
      const broken = parseJson(trimmed).ok ? undefined : fromBrokenBlock(trimmed, offered);
      if (!broken) return whole;
      found.push(broken);
      return "";
    });
  } else if (text.includes("<function=")) {
    // Llama 3.x's own format: <function=NAME>{...}</function>, the arguments kept exactly as written
    const block = /<function=([A-Za-z0-9_.:-]+)>([\s\S]*?)(?:<\/function>|$)/g;
    rest = text.replace(block, (whole, name: string, inner: string) => {
      if (!offered.has(name)) return whole;
      found.push({ name, arguments: inner.trim() === "" ? "{}" : inner.trim() });
      return "";
    });
  } else {
    const trimmed = text.trim();
    const marker = ["[TOOL_CALLS]", "<|python_tag|>"].find((m) => trimmed.startsWith(m));
    let body = marker ? trimmed.slice(marker.length).trim() : trimmed;
    body = FENCE.exec(body)?.[1]?.trim() ?? body;
    const calls = fromJsonText(body, offered);
    if (calls.length === 0) return none;
    found.push(...calls);
    rest = "";
  }
  if (found.length === 0) return none;
  return {
    calls: found.map((c, i) => ({ id: `call_text_${i}`, name: c.name, arguments: c.arguments })),
    rest: rest.trim(),
  };
}

/** Text that may still turn out to be a tool call written as text: its display is held back until the end. */
export function mayBeTextToolCall(textSoFar: string): boolean {
  const t = textSoFar.trimStart();
  return t === "" || t.startsWith("{") || t.startsWith("[") || t.startsWith("<") || t.startsWith("`");
}
