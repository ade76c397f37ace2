// The redaction hook: a set of secret values that must never appear in output. The logger runs every line through
// it; the secrets/egress issue feeds it values (and replaces this simple matcher with one that also catches encoded
// and split forms). Contract: `redact` never throws and returns the input unchanged when nothing matches.

export interface Redactor {
  /** Register a value to hide, shown as `[secret:NAME]`. Values shorter than 4 characters are ignored (too noisy). */
  add(name: string, value: string): void;
  redact(text: string): string;
}

export class ValueRedactor implements Redactor {
  private readonly values = new Map<string, string>();
  private pattern: RegExp | undefined;

  add(name: string, value: string): void {
    if (value.length < 4) return;
    this.values.set(value, name);
    // Longest first, so a secret that contains another is replaced whole.
    const alternatives = [...this.values.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = new RegExp(alternatives.join("|"), "g");
  }

  redact(text: string): string {
    if (!this.pattern) return text;
    return text.replace(this.pattern, (match) => `[secret:${this.values.get(match) ?? "?"}]`);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
