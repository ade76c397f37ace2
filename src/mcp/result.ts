// A tools/call answer turned into what the model gets: the text content joined, other content described but not
// passed (images, audio, binary resources), structured content as JSON, all cut at the size cap with a marker. The
// caller marks it untrusted (content from a server, never instructions) and the agent loop redacts it.

interface Block {
  type?: unknown;
  text?: unknown;
  mimeType?: unknown;
  data?: unknown;
  uri?: unknown;
  name?: unknown;
  resource?: { uri?: unknown; text?: unknown; blob?: unknown; mimeType?: unknown };
}

export interface CallValue {
  /** The text the server returned. */
  text: string;
  /** The server's structured result, as JSON text (when it gave one and it fits). */
  structured?: string;
  /** The server says the call failed (its own error, not a protocol failure). */
  isError?: true;
  truncated?: true;
}

export function callValue(result: Record<string, unknown>, maxBytes: number): CallValue {
  const parts: string[] = [];
  const content = Array.isArray(result.content) ? (result.content as Block[]) : [];
  for (const block of content) parts.push(describeBlock(block));
  // Old servers answer { toolResult } instead of content.
  if (content.length === 0 && "toolResult" in result) parts.push(json(result.toolResult));
  let room = maxBytes;
  const text = cut(parts.join("\n"), room);
  room -= Buffer.byteLength(text.value);
  const out: CallValue = { text: text.value };
  if (result.structuredContent !== undefined && room > 0) {
    const s = cut(json(result.structuredContent), room);
    out.structured = s.value;
    if (s.cut) out.truncated = true;
  }
  if (text.cut) out.truncated = true;
  if (result.isError === true) out.isError = true;
  return out;
}

function describeBlock(b: Block): string {
  switch (b.type) {
    case "text":
      return typeof b.text === "string" ? b.text : "";
    case "image":
    case "audio":
      return `[${b.type} ${str(b.mimeType)}, ${typeof b.data === "string" ? Math.floor((b.data.length * 3) / 4) : 0} bytes, not shown]`;
    case "resource_link":
      return `[resource link ${str(b.uri)}${b.name ? ` (${str(b.name)})` : ""}]`;
    case "resource": {
      const r = b.resource ?? {};
      if (typeof r.text === "string") return `[resource ${str(r.uri)}]\n${r.text}`;
      return `[resource ${str(r.uri)} ${str(r.mimeType)}, binary, not shown]`;
    }
    default:
      return `[content of type ${str(b.type)}, not shown]`;
  }
}

const str = (v: unknown): string => (typeof v === "string" ? v.slice(0, 512) : "?");

function json(v: unknown): string {
  try {
    return JSON.stringify(v) ?? "null";
  } catch {
    return "[not JSON]";
  }
}

/** At most `max` UTF-8 bytes of `s`, cut on a character boundary, with a marker when cut. */
function cut(s: string, max: number): { value: string; cut: boolean } {
  if (Buffer.byteLength(s) <= max) return { value: s, cut: false };
  const marker = `\n[warden: result cut at ${max} bytes]`;
  const keep = Math.max(0, max - Buffer.byteLength(marker));
  const buf = Buffer.from(s).subarray(0, keep);
  // Drop a partial character at the end (the decoder would turn it into U+FFFD).
  const text = buf.toString("utf8").replace(/\uFFFD$/, "");
  return { value: `${text}${marker}`, cut: true };
}
