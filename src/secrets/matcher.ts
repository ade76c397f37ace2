// Finds many literal strings in a text in one pass. Patterns of 8+ characters go through a Wu-Manber scan (a shift
// table over 3-character blocks lets the scan jump ahead by up to the shortest pattern's length); the rare shorter
// ones go through one regex alternation. Built once per set of patterns, then read-only. It never decides what a
// match means: callers map a hit's label to a redaction or a block.

export interface Pattern {
  readonly text: string;
  /** Opaque to the matcher: returned with each hit. */
  readonly label: string;
}

export interface Hit {
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

const BLOCK = 3;
const LONG = 8; // patterns at least this long use the shift table
const MIN_PATTERN = 4;
const TABLE_BITS = 16;
const TABLE_SIZE = 1 << TABLE_BITS;

export class MultiMatcher {
  readonly maxLength: number;
  private readonly min: number; // shortest long pattern: the scan window
  private readonly shift = new Uint8Array(TABLE_SIZE);
  private readonly buckets: (Pattern[] | undefined)[] = new Array(TABLE_SIZE);
  private readonly short: RegExp | undefined;
  private readonly shortLabels = new Map<string, string>();
  private readonly hasLong: boolean;

  /** Patterns shorter than 4 characters are ignored. */
  constructor(patterns: readonly Pattern[]) {
    const long = patterns.filter((p) => p.text.length >= LONG);
    const short = patterns.filter((p) => p.text.length >= MIN_PATTERN && p.text.length < LONG);
    this.maxLength = Math.max(0, ...patterns.filter((p) => p.text.length >= MIN_PATTERN).map((p) => p.text.length));
    this.hasLong = long.length > 0;
    this.min = Math.min(255, ...long.map((p) => p.text.length));
    this.shift.fill(Math.min(255, this.min - BLOCK + 1));
    const filled: number[] = [];
    for (const p of long) {
      // Only the first `min` characters of each pattern take part in the shift table; the rest is checked exactly.
      for (let end = BLOCK - 1; end < this.min; end++) {
        const h = blockHash(p.text, end);
        const s = this.min - 1 - end;
        if (s < this.shift[h]!) this.shift[h] = s;
      }
      const h = blockHash(p.text, this.min - 1);
      const bucket = this.buckets[h];
      if (bucket) bucket.push(p);
      else {
        this.buckets[h] = [p];
        filled.push(h);
      }
    }
    // Longest first, so a value that contains another is replaced whole. Only the filled buckets are visited: a
    // walk over all 65536 slots cost milliseconds per matcher, and the daemon builds one at start with no patterns.
    for (const h of filled) this.buckets[h]!.sort((a, b) => b.text.length - a.text.length);
    if (short.length > 0) {
      for (const p of short) if (!this.shortLabels.has(p.text)) this.shortLabels.set(p.text, p.label);
      const alternatives = [...this.shortLabels.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.short = new RegExp(alternatives.join("|"), "g");
    }
  }

  /** Leftmost-longest, non-overlapping hits in `text`, in order, across long and short patterns alike. */
  scan(text: string): Hit[] {
    const hits: Hit[] = [];
    const short = this.short === undefined ? undefined : new RegExp(this.short.source, "g");
    let pos = 0;
    let long = this.hasLong ? this.nextLong(text, 0) : undefined;
    let shortHit = short ? this.nextShort(short, text, 0) : undefined;
    while (long !== undefined || shortHit !== undefined) {
      // The earlier start wins; at the same start, the longer one.
      const useLong =
        shortHit === undefined ||
        (long !== undefined &&
          (long.start < shortHit.start || (long.start === shortHit.start && long.end >= shortHit.end)));
      const hit = (useLong ? long : shortHit)!;
      hits.push(hit);
      pos = hit.end;
      // A candidate overlapping the chosen hit is dropped and the search resumes after it: a later match it hid
      // (one starting inside it and ending after) is found then.
      if (long !== undefined && long.start < pos) long = this.nextLong(text, pos);
      if (short && shortHit !== undefined && shortHit.start < pos) shortHit = this.nextShort(short, text, pos);
    }
    return hits;
  }

  private nextShort(re: RegExp, text: string, from: number): Hit | undefined {
    re.lastIndex = from;
    const m = re.exec(text);
    return m === null
      ? undefined
      : { start: m.index, end: m.index + m[0].length, label: this.shortLabels.get(m[0]) ?? "?" };
  }

  /** The leftmost (then longest) long-pattern hit starting at or after `from`. */
  private nextLong(text: string, from: number): Hit | undefined {
    const { shift, buckets, min } = this;
    const n = text.length;
    let pos = from + min - 1; // last character of the current window
    while (pos < n) {
      const h = blockHash(text, pos);
      const s = shift[h]!;
      if (s > 0) {
        pos += s;
        continue;
      }
      const start = pos - min + 1;
      const bucket = buckets[h];
      if (bucket !== undefined) {
        for (const p of bucket) {
          if (text.startsWith(p.text, start)) return { start, end: start + p.text.length, label: p.label };
        }
      }
      pos += 1;
    }
    return undefined;
  }
}

/** Hash of the 3 characters ending at `end`. */
function blockHash(s: string, end: number): number {
  const x = (s.charCodeAt(end - 2) << 14) ^ (s.charCodeAt(end - 1) << 7) ^ s.charCodeAt(end);
  return Math.imul(x, 0x9e3779b1) >>> (32 - TABLE_BITS);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
