// The hash chain: the one function that turns an event's fields into its hash. Changing it invalidates every
// stored log, so it is versioned by never changing; a new encoding would need a new column and a marker event.
import { quote, sha256Hex } from "./canonical.js";

/** prev_hash of the first event. */
export const GENESIS_HASH = "0".repeat(64);

export interface ChainFields {
  seq: number;
  ts: string;
  type: string;
  actor: string;
  task: string | null;
  /** The stored canonical JSON text of data: hashed as text, so verify never re-encodes it. */
  dataText: string;
  prevHash: string;
}

/**
 * Canonical encoding: a JSON array `[seq, ts, type, actor, task, prev_hash, data]` with no whitespace and data as
 * its canonical JSON text. Every field is JSON-quoted, so no two different events share an encoding.
 */
export function encodeForHash(f: ChainFields): string {
  return `[${f.seq},${quote(f.ts)},${quote(f.type)},${quote(f.actor)},${f.task === null ? "null" : quote(f.task)},${quote(
    f.prevHash,
  )},${f.dataText}]`;
}

export function hashEvent(f: ChainFields): string {
  return sha256Hex(encodeForHash(f));
}
