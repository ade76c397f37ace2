// Presenting config to a human: the effective values with anything that looks like a credential masked, and the
// JSON Schema for editors. Config holds handles (secret:NAME), never values; masking is the second line of defence.
import * as z from "zod";
import { configSchema } from "./schema.js";

const SENSITIVE_KEY = /(token|password|passwd|secret|api[-_]?key|private[-_]?key|credential)/i;
const HANDLE = /^secret:[A-Za-z0-9_.-]+$/;

export function maskConfig(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => maskConfig(v, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskConfig(v, k)]));
  }
  if (typeof value === "string" && SENSITIVE_KEY.test(key) && !HANDLE.test(value)) return "********";
  return value;
}

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: "input" }),
    $id: "https://warden.local/schema/warden.yaml.json",
    title: "warden.yaml",
  };
}
