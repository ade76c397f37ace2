// What a server's tools/list answer becomes before the model sees it: names made safe (`mcp.<server>.<tool>`, one
// dot-separated part per level so policy globs like mcp.github.* work), collisions refused, input schemas checked
// (size, depth, object at the root, local $refs only) and turned into a zod validator that checks arguments before any
// call. The server is not trusted: a bad tool is refused with a reason, the others stay.
import { createHash } from "node:crypto";
import type { Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";

export interface ListedTool {
  /** The name the model and the policy see: mcp.<server>.<tool>. */
  readonly name: string;
  /** The tool's name on the server. */
  readonly remote: string;
  readonly description: string;
  /** JSON Schema handed to the model (the server's, after the checks). */
  readonly parameters: Record<string, unknown>;
  /** Validates arguments before the call. */
  readonly validator: z.ZodType<Record<string, unknown>>;
  /** The server says the tool changes nothing (readOnlyHint true, destructiveHint not true). */
  readonly readOnly: boolean;
  /** Changes when the schema or the annotations change: a call checks the tool is still what the model saw. */
  readonly fingerprint: string;
}

export interface ListingLimits {
  maxTools: number;
  maxSchemaBytes: number;
  hide: readonly string[];
}

export type Listing =
  | { ok: true; tools: ListedTool[]; refused: { tool: string; reason: string }[] }
  | { ok: false; reason: string };

const MAX_DEPTH = 24;
const MAX_DESCRIPTION = 1024;
const REMOTE_NAME = /^[\x21-\x7e]{1,128}$/;

/** The tool part of an agent tool name: letters, digits, _ and -, at most 64 characters. */
export function toolPart(remote: string): string {
  return remote.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}

export function listTools(server: string, tools: readonly McpTool[], limits: ListingLimits): Listing {
  if (tools.length > limits.maxTools)
    return { ok: false, reason: `the server lists ${tools.length} tools, over the limit of ${limits.maxTools}` };
  const refused: { tool: string; reason: string }[] = [];
  const byName = new Map<string, ListedTool[]>();
  for (const t of tools) {
    const shownName = String(t.name).slice(0, 128);
    if (!REMOTE_NAME.test(t.name)) {
      refused.push({ tool: shownName, reason: "the name is empty, too long or has spaces or control characters" });
      continue;
    }
    if (limits.hide.includes(t.name)) continue;
    const checked = checkSchema(t.inputSchema, limits.maxSchemaBytes);
    if (!checked.ok) {
      refused.push({ tool: t.name, reason: checked.reason });
      continue;
    }
    const readOnly = t.annotations?.readOnlyHint === true && t.annotations?.destructiveHint !== true;
    const name = `mcp.${server}.${toolPart(t.name)}`;
    const listed: ListedTool = {
      name,
      remote: t.name,
      description: describe(server, t),
      parameters: checked.parameters,
      validator: checked.validator,
      readOnly,
      fingerprint: createHash("sha256")
        .update(JSON.stringify([t.name, checked.parameters, t.annotations ?? null]))
        .digest("hex"),
    };
    byName.set(name, [...(byName.get(name) ?? []), listed]);
  }
  const out: ListedTool[] = [];
  for (const [name, same] of byName) {
    if (same.length === 1) out.push(same[0] as ListedTool);
    else
      for (const t of same) refused.push({ tool: t.remote, reason: `its name collides with another tool as ${name}` });
  }
  return { ok: true, tools: out, refused };
}

function describe(server: string, t: McpTool): string {
  // Untrusted text from the server: control characters out, length capped, origin said.
  const text = (t.description ?? t.title ?? "")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ")
    .slice(0, MAX_DESCRIPTION);
  return `[MCP server ${server}] ${text}`.trim();
}

type Checked =
  | { ok: true; parameters: Record<string, unknown>; validator: z.ZodType<Record<string, unknown>> }
  | { ok: false; reason: string };

function checkSchema(schema: unknown, maxBytes: number): Checked {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema))
    return { ok: false, reason: "the input schema is not an object" };
  const s = schema as Record<string, unknown>;
  if (s.type !== "object") return { ok: false, reason: 'the input schema is not of type "object"' };
  let text: string;
  try {
    text = JSON.stringify(s);
  } catch {
    return { ok: false, reason: "the input schema is not JSON" };
  }
  if (Buffer.byteLength(text) > maxBytes) return { ok: false, reason: `the input schema is over ${maxBytes} bytes` };
  if (depth(s, 0) > MAX_DEPTH) return { ok: false, reason: `the input schema nests deeper than ${MAX_DEPTH}` };
  const { $schema: _drop, ...parameters } = JSON.parse(text) as Record<string, unknown>;
  let validator: z.ZodType;
  try {
    // Regular expressions from the server are not run on the model's arguments (a crafted pattern can take
    // exponential time); the server checks its own patterns.
    validator = z.fromJSONSchema(withoutPatterns(parameters) as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (e) {
    return { ok: false, reason: `the input schema cannot be used: ${String((e as Error)?.message).slice(0, 200)}` };
  }
  return { ok: true, parameters, validator: validator as z.ZodType<Record<string, unknown>> };
}

function depth(v: unknown, d: number): number {
  if (d > MAX_DEPTH || v === null || typeof v !== "object") return d;
  let max = d;
  for (const child of Object.values(v as Record<string, unknown>)) max = Math.max(max, depth(child, d + 1));
  return max;
}

/** The schema without its regular expressions; `names` is true for a map of names to schemas (`properties`). */
function withoutPatterns(v: unknown, names = false): unknown {
  if (Array.isArray(v)) return v.map((x) => withoutPatterns(x));
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
    if (!names && (k === "pattern" || k === "patternProperties")) continue;
    out[k] = withoutPatterns(child, !names && (k === "properties" || k === "$defs" || k === "definitions"));
  }
  return out;
}
