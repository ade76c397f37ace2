// A cache of parsed YAML (warden.yaml and the policy files) in <home>/run/yaml-cache.json, keyed by the SHA-256 of
// each file's text, so a restart with unchanged files skips the YAML parser: parsing a few KB of YAML with a cold JIT
// was the slowest step of a daemon start. Only the plain data of a parse that succeeded is kept (plus the line
// numbers the policy shows in explanations). A missing, unreadable or corrupt cache is ignored and rewritten: it can
// make a start faster, never different. The file sits in the owner-only home (never visible in a sandbox), written
// 0600 by rename: whoever can change it can change warden.yaml itself.
//
// An entry may also hold the validated result (`valid`), so a start with unchanged files skips schema validation
// too, and with it building the schemas (zod's schemas are built on first use: see src/config/schema.ts). A validated
// result is only as good as the code that validated it, so the file records the build that wrote it (an id of the
// bundled code, set by scripts/bundle.mjs): a different build, or a process without one (tests, the unbundled tsc
// output), starts from an empty cache and never trusts or stores a validated result.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";

export interface CachedYaml {
  /** The document as plain JSON data (what `doc.toJS()` gave). */
  data: unknown;
  /** Line numbers by dotted path, for callers that point into the file after a load. */
  lines?: Record<string, number>;
  /** What validating `data` gave (defaults filled in), stored and handed out only by the same build. */
  valid?: unknown;
}

/** Contract: never throws; get returns a fresh copy the caller may keep or change. */
export interface YamlCache {
  get(text: string): CachedYaml | undefined;
  set(text: string, entry: CachedYaml): void;
  /** Write the entries used or added since opening, if anything changed (run it off the start-up path). */
  flush(): void;
}

/** Keeps nothing: for tests and one-shot commands. */
export const noYamlCache: YamlCache = { get: () => undefined, set: () => {}, flush: () => {} };

const FORMAT = 2;
const MAX_ENTRIES = 64;

const keyOf = (text: string) => createHash("sha256").update(text).digest("base64url");

/** `build` identifies the running code; without one, validated results are neither used nor kept. */
export function openYamlCache(file: string, build?: string): YamlCache {
  let stored: Record<string, string> = {};
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as { format?: unknown; build?: unknown; entries?: unknown };
    if (raw.format === FORMAT && raw.build === build && raw.entries !== null && typeof raw.entries === "object") {
      stored = raw.entries as Record<string, string>;
    }
  } catch {
    // No cache yet, or an unreadable one: start empty and rewrite it on flush.
  }
  // Entries stay serialized until asked for, so the copy handed out is always fresh and a bad entry costs one miss.
  const used = new Map<string, string>();
  let dirty = false;
  return {
    get(text) {
      const key = keyOf(text);
      const raw = stored[key];
      if (typeof raw !== "string") return undefined;
      try {
        const entry = JSON.parse(raw) as CachedYaml;
        used.set(key, raw);
        return entry;
      } catch {
        return undefined;
      }
    },
    set(text, given) {
      let entry = given;
      if (build === undefined || !isPlainJson(entry.valid)) {
        const { valid: _drop, ...rest } = entry;
        entry = rest;
      }
      // Only data that survives JSON unchanged is kept (YAML's .inf, .nan, binary or big integers would not).
      if (!isPlainJson(entry)) return;
      const raw = JSON.stringify(entry);
      const key = keyOf(text);
      if (stored[key] === raw && used.has(key)) return;
      stored[key] = raw;
      used.set(key, raw);
      dirty = true;
    },
    flush() {
      if (!dirty) return;
      // What this process used comes first; older entries fill the rest (other homes' edits, a file being toggled).
      const entries: Record<string, string> = Object.fromEntries(used);
      let count = used.size;
      for (const [k, v] of Object.entries(stored)) {
        if (count >= MAX_ENTRIES) break;
        if (entries[k] === undefined) {
          entries[k] = v;
          count++;
        }
      }
      try {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify({ format: FORMAT, build, entries }), { mode: 0o600 });
        renameSync(tmp, file);
        dirty = false;
      } catch {
        // A cache that cannot be written only costs the next start its speed-up.
      }
    },
  };
}

function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every((v) => isPlainJson(v, depth + 1));
  if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.entries(value).every(([k, v]) => k !== "__proto__" && isPlainJson(v, depth + 1));
}
