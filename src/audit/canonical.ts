// Canonical JSON: one byte-exact text for a JSON value (object keys sorted by code unit, no whitespace, undefined
// members dropped as JSON.stringify does). The audit chain and the approvals binding hash both depend on it, so it
// must never change meaning once events exist: a change here would break every stored hash.
import * as crypto from "node:crypto";

/** A JSON value as stored: what `canonicalJson` accepts. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Contract: throws a TypeError for values JSON cannot represent faithfully (NaN, Infinity, bigint, functions,
 * symbols, cycles), so that two different inputs can never collapse to the same text silently.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set());
}

function encode(value: unknown, seen: Set<object>): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot encode ${value}`);
      return JSON.stringify(value);
    case "object":
      break;
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError("canonical JSON cannot encode a cycle");
  seen.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    // JSON.stringify writes holes and undefined items as null; keep that so arrays keep their length.
    out = `[${obj.map((v) => (v === undefined ? "null" : encode(v, seen))).join(",")}]`;
  } else if (obj instanceof Date) {
    out = JSON.stringify(obj.toISOString());
  } else {
    const record = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${encode(v, seen)}`);
    }
    out = `{${parts.join(",")}}`;
  }
  seen.delete(obj);
  return out;
}

// One-shot crypto.hash (Node >= 20.12) is about 2.5x faster than createHash for short inputs; verify is bound by it.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: "hex") => string }).hash;

export function sha256Hex(text: string): string {
  return oneShot ? oneShot("sha256", text, "hex") : crypto.createHash("sha256").update(text, "utf8").digest("hex");
}
