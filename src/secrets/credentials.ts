// Well-known credential formats that may show up in tool output without being registered secrets (a token in a file
// the agent read, a key printed by a command). Detection only: the redactor decides what to do with a match. The
// patterns are deliberately specific (fixed prefixes, lengths) so ordinary text is not flagged.

export interface CredentialFormat {
  readonly id: string;
  /** Matched at the start of a run of 20+ token characters ([A-Za-z0-9_-]) or, with `literal`, where it occurs. */
  readonly source: string;
  /** What must come right before the match; the match is extended back over it. */
  readonly before?: RegExp;
  /** Found by indexOf instead of by token runs (formats whose start is not a long token run). */
  readonly literal?: string;
}

// Each pattern is bounded in length so a streaming redactor can hold back a finite tail (private key blocks are
// handled separately by the redactor because they span many lines). Every run-started format begins with at least
// 20 token characters, which is what lets the scan skip ahead (see findCredentials).
export const CREDENTIAL_FORMATS: readonly CredentialFormat[] = [
  { id: "aws-access-key", source: String.raw`(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b` },
  {
    id: "aws-secret-key",
    source: String.raw`(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY)["']?\s{0,4}[=:]\s{0,4}["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])`,
  },
  { id: "github-token", source: String.raw`gh[pousr]_[A-Za-z0-9]{36,251}\b` },
  { id: "github-fine-grained-token", source: String.raw`github_pat_[A-Za-z0-9_]{22,240}\b` },
  { id: "gitlab-token", source: String.raw`glpat-[A-Za-z0-9_-]{20,200}\b` },
  { id: "slack-token", source: String.raw`xox[abposre]-[A-Za-z0-9-]{15,200}\b` },
  { id: "slack-app-token", source: String.raw`xapp-\d-[A-Za-z0-9-]{13,200}\b` },
  {
    id: "slack-webhook",
    source: String.raw`hooks\.slack\.com/services/[A-Za-z0-9_/]{20,200}`,
    literal: "hooks.slack.com/services/",
  },
  { id: "discord-bot-token", source: String.raw`[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}\b` },
  { id: "telegram-bot-token", source: String.raw`AA[A-Za-z0-9_-]{33}\b`, before: /(?<![0-9])[0-9]{8,10}:$/ },
  { id: "google-api-key", source: String.raw`AIza[0-9A-Za-z_-]{35}\b` },
  { id: "openai-key", source: String.raw`sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,200}\b` },
  { id: "stripe-key", source: String.raw`[rs]k_live_[A-Za-z0-9]{20,200}\b` },
  { id: "npm-token", source: String.raw`npm_[A-Za-z0-9]{36}\b` },
  { id: "jwt", source: String.raw`eyJ[A-Za-z0-9_-]{17,1000}\.eyJ[A-Za-z0-9_-]{8,2000}\.[A-Za-z0-9_-]{0,800}` },
  {
    id: "private-key",
    source: String.raw`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`,
    literal: "-----BEGIN ",
  },
];

const BEFORE_REACH = 16; // longest `before` part
const RUN = 20; // shortest start of a run-started format, in token characters

export interface CredentialMatch {
  readonly start: number;
  readonly end: number;
  readonly format: string;
  readonly value: string;
}

// Indexed by any UTF-16 code unit (no range check in the hot loop); only the ASCII entries are ever hot in cache.
const TOKEN_CHAR = new Uint8Array(65536);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") TOKEN_CHAR[c.charCodeAt(0)] = 1;
const isToken = (code: number) => TOKEN_CHAR[code] === 1;

const RUN_FORMATS = CREDENTIAL_FORMATS.filter((f) => f.literal === undefined);
const LITERAL_FORMATS = CREDENTIAL_FORMATS.filter((f) => f.literal !== undefined);
const STICKY = new RegExp(RUN_FORMATS.map((f) => `(${f.source})`).join("|"), "y");
const LITERAL_STICKY = new Map(LITERAL_FORMATS.map((f) => [f, new RegExp(f.source, "y")]));

/**
 * Every credential in `text` whose match starts before `limit`, in order, without overlaps. Two stages: find runs of
 * 20+ token characters (a Horspool-like scan that reads a window from its right end and jumps past any non-token
 * character), then try the formats only at the start of each run; the two formats that do not start with such a
 * run are found by indexOf.
 */
export function findCredentials(text: string, limit = text.length): CredentialMatch[] {
  const found: CredentialMatch[] = [];
  const n = text.length;
  let p = 0; // a run can start here: text[p - 1] is not a token character
  window: while (p + RUN <= n && p < limit) {
    // Check the window [p, p + RUN) right to left: a non-token character at q rules out every start up to q.
    for (let q = p + RUN - 1; q >= p; q--) {
      if (!isToken(text.charCodeAt(q))) {
        p = q + 1;
        continue window;
      }
    }
    let e = p + RUN;
    while (e < n && isToken(text.charCodeAt(e))) e++;
    const m = matchRunStart(text, p);
    if (m !== undefined) {
      found.push(m);
      e = Math.max(e, m.end);
    }
    p = e + 1;
  }
  for (const f of LITERAL_FORMATS) {
    const re = LITERAL_STICKY.get(f)!;
    for (let at = text.indexOf(f.literal!); at !== -1 && at < limit; at = text.indexOf(f.literal!, at + 1)) {
      re.lastIndex = at;
      const m = re.exec(text);
      if (m !== null) found.push({ start: at, end: at + m[0].length, format: f.id, value: m[0] });
    }
  }
  found.sort((a, b) => a.start - b.start);
  const kept: CredentialMatch[] = [];
  for (const m of found) if (kept.length === 0 || m.start >= kept[kept.length - 1]!.end) kept.push(m);
  return kept;
}

function matchRunStart(text: string, start: number): CredentialMatch | undefined {
  STICKY.lastIndex = start;
  const m = STICKY.exec(text);
  if (m === null) return undefined;
  let index = 0;
  while (index < RUN_FORMATS.length && m[index + 1] === undefined) index++;
  const format = RUN_FORMATS[index]!;
  let from = start;
  if (format.before !== undefined) {
    const head = format.before.exec(text.slice(Math.max(0, start - BEFORE_REACH), start));
    if (head === null) return undefined;
    from -= head[0].length;
  }
  const end = start + m[0].length;
  return { start: from, end, format: format.id, value: text.slice(from, end) };
}

/** Longest match a bounded format can have (private key blocks aside): the streaming redactor's hold-back. */
export const MAX_CREDENTIAL_LENGTH = 4096;

export const PRIVATE_KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
export const PRIVATE_KEY_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
