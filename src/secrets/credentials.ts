// Well-known credential formats that may show up in tool output without being registered secrets (a token in a file
// the agent read, a key printed by a command). Detection only: the redactor decides what to do with a match. The
// patterns are deliberately specific (fixed prefixes, lengths) so ordinary text is not flagged.

export interface CredentialFormat {
  readonly id: string;
  /** Starts with a literal (or `\\b` and a literal): V8 then scans for the whole alternation at gigabytes a second. */
  readonly source: string;
  /** What must come right before the literal-led part; the match is extended back over it. */
  readonly before?: RegExp;
}

// Each pattern is bounded in length so a streaming redactor can hold back a finite tail (private key blocks are
// handled separately by the redactor because they span many lines).
export const CREDENTIAL_FORMATS: readonly CredentialFormat[] = [
  { id: "aws-access-key", source: String.raw`\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b` },
  {
    id: "aws-secret-key",
    source: String.raw`(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY)["']?\s{0,4}[=:]\s{0,4}["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])`,
  },
  { id: "github-token", source: String.raw`\bgh[pousr]_[A-Za-z0-9]{36,251}\b` },
  { id: "github-fine-grained-token", source: String.raw`\bgithub_pat_[A-Za-z0-9_]{22,240}\b` },
  { id: "gitlab-token", source: String.raw`\bglpat-[A-Za-z0-9_-]{20,200}\b` },
  { id: "slack-token", source: String.raw`\bxox[abposre]-[A-Za-z0-9-]{10,200}\b` },
  { id: "slack-app-token", source: String.raw`\bxapp-\d-[A-Za-z0-9-]{10,200}\b` },
  { id: "slack-webhook", source: String.raw`https://hooks\.slack\.com/services/[A-Za-z0-9_/]{20,200}` },
  {
    id: "discord-bot-token",
    source: String.raw`\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}\b`,
    before: /(?<![A-Za-z0-9_-])[MNO][A-Za-z0-9_-]{23,27}$/,
  },
  { id: "telegram-bot-token", source: String.raw`:AA[A-Za-z0-9_-]{33}\b`, before: /(?<![0-9])[0-9]{8,10}$/ },
  { id: "google-api-key", source: String.raw`\bAIza[0-9A-Za-z_-]{35}\b` },
  { id: "openai-key", source: String.raw`\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,200}\b` },
  { id: "stripe-key", source: String.raw`\b[rs]k_live_[A-Za-z0-9]{20,200}\b` },
  { id: "npm-token", source: String.raw`\bnpm_[A-Za-z0-9]{36}\b` },
  { id: "jwt", source: String.raw`\beyJ[A-Za-z0-9_-]{8,1000}\.eyJ[A-Za-z0-9_-]{8,2000}\.[A-Za-z0-9_-]{0,800}` },
  {
    id: "private-key",
    source: String.raw`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`,
  },
];

const BEFORE_REACH = 32; // longest `before` part

export interface CredentialMatch {
  readonly start: number;
  readonly end: number;
  readonly format: string;
  readonly value: string;
}

/** Every credential in `text`, in order, whose match starts before `limit`. */
export function findCredentials(text: string, limit = text.length): CredentialMatch[] {
  const found: CredentialMatch[] = [];
  const re = new RegExp(COMBINED);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    let start = m.index;
    const index = groupOf(m);
    const format = CREDENTIAL_FORMATS[index]!;
    if (format.before !== undefined) {
      const head = format.before.exec(text.slice(Math.max(0, start - BEFORE_REACH), start));
      if (head === null) {
        re.lastIndex = m.index + 1;
        continue;
      }
      start -= head[0].length;
    }
    if (start >= limit) break;
    const end = m.index + m[0].length;
    found.push({ start, end, format: format.id, value: text.slice(start, end) });
  }
  return found;
}

/** Longest match a bounded format can have (private key blocks aside): the streaming redactor's hold-back. */
export const MAX_CREDENTIAL_LENGTH = 4096;

const COMBINED = new RegExp(CREDENTIAL_FORMATS.map((f) => `(${f.source})`).join("|"), "g");

export const PRIVATE_KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
export const PRIVATE_KEY_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;

function groupOf(match: RegExpExecArray): number {
  for (let i = 0; i < CREDENTIAL_FORMATS.length; i++) if (match[i + 1] !== undefined) return i;
  return 0;
}
