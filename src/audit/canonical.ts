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
  return encode(value, 0);
}

// A depth limit instead of a set of visited objects: cheaper on the append path, and a cycle still fails.
const MAX_DEPTH = 200;

function encode(value: unknown, depth: number): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return quote(value);
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
  if (depth > MAX_DEPTH) throw new TypeError("canonical JSON cannot encode a cycle or a structure this deep");
  if (Array.isArray(value)) {
    // JSON.stringify writes holes and undefined items as null; keep that so arrays keep their length.
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      out += `${i > 0 ? "," : ""}${v === undefined ? "null" : encode(v, depth + 1)}`;
    }
    return `${out}]`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const record = value as Record<string, unknown>;
  let out = "{";
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${first ? "" : ","}${quote(key)}:${encode(v, depth + 1)}`;
    first = false;
  }
  return `${out}}`;
}

// Printable ASCII without `"` and `\`: JSON.stringify would return it unchanged between quotes. Skipping the call
// for such strings (nearly all of them) roughly halves the encoding cost; the text is byte-identical.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of a string, faster for the common plain case. */
export function quote(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

// One-shot crypto.hash (Node >= 20.12) is about 2.5x faster than createHash for short inputs; verify is bound by it.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: "hex") => string }).hash;

export function sha256Hex(text: string): string {
  return oneShot ? oneShot("sha256", text, "hex") : crypto.createHash("sha256").update(text, "utf8").digest("hex");
}
