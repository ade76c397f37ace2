// The redactor: every encoding of every value, whole and split across chunks; credential formats; fail-safe merging.
import { describe, expect, it } from "vitest";
import type { Redactor } from "../log/redactor.js";
import { type CredentialEvent, SecretRedactor } from "./redactor.js";

const TOKEN = "tok_9f8e7d6c5b4a39281706";
const SPECIAL = "p@ss w0rd/+?&=é!";

function make(events: CredentialEvent[] = []): SecretRedactor {
  const r = new SecretRedactor({ onCredential: (e) => events.push(e) });
  r.add("API_TOKEN", TOKEN);
  r.add("DB_PASS", SPECIAL);
  return r;
}

/** Feed `text` in pieces of `size` characters. */
function streamed(r: SecretRedactor, text: string, size: number): string {
  const s = r.stream();
  let out = "";
  for (let i = 0; i < text.length; i += size) out += s.push(text.slice(i, i + size));
  return out + s.end();
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("SecretRedactor: registered values", () => {
  it("implements the log domain's Redactor interface", () => {
    const r: Redactor = make();
    expect(r.redact(`Bearer ${TOKEN}.`)).toBe("Bearer [secret:API_TOKEN].");
    expect(r.redact("nothing here")).toBe("nothing here");
  });

  const forms: [string, (v: string) => string][] = [
    ["raw", (v) => v],
    ["base64", (v) => b64(v)],
    ["base64 without padding", (v) => b64(v).replace(/=+$/, "")],
    ["base64url", (v) => Buffer.from(v).toString("base64url")],
    ["hex", (v) => Buffer.from(v).toString("hex")],
    ["HEX", (v) => Buffer.from(v).toString("hex").toUpperCase()],
    ["URL-encoded", (v) => encodeURIComponent(v)],
    ["URL-encoded, lower-case escapes", (v) => encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ["form-encoded", (v) => encodeURIComponent(v).replace(/%20/g, "+")],
    ["JSON-escaped", (v) => JSON.stringify(v).slice(1, -1)],
  ];
  for (const [label, encode] of forms) {
    it(`hides the ${label} form of both values, whole and split across chunks`, () => {
      const r = make();
      for (const v of [TOKEN, SPECIAL]) {
        const text = `before ${encode(v)} after`;
        for (const out of [r.redact(text), streamed(r, text, 1), streamed(r, text, 3), streamed(r, text, 7)]) {
          expect(out).not.toContain(encode(v));
          expect(out).toMatch(/^before .*\[secret:(API_TOKEN|DB_PASS)\].* after$/);
        }
      }
    });
  }

  it("finds the base64 of a value embedded at any byte offset of a longer base64 blob", () => {
    const r = make();
    for (const prefix of ["", "x", "xy", "xyz", "header:"]) {
      const blob = b64(`${prefix}${TOKEN}trailer`);
      const out = r.redact(blob);
      expect(out).toContain("[secret:API_TOKEN]");
      // Only a few characters at each edge of the value's encoding may remain.
      expect(out.replace(/\[secret:API_TOKEN\]/, "").length).toBeLessThan(blob.length - 20);
    }
  });

  it("prefers the longer value when one secret contains another, and forgets removed ones", () => {
    const r = new SecretRedactor();
    r.add("SHORT", "abcdefgh");
    r.add("LONG", "xxabcdefghyy");
    expect(r.redact("1 xxabcdefghyy 2 abcdefgh")).toBe("1 [secret:LONG] 2 [secret:SHORT]");
    r.remove("LONG");
    expect(r.redact("xxabcdefghyy")).toBe("xx[secret:SHORT]yy");
  });

  it("handles short values (4 to 7 characters) and ignores values under 4", () => {
    const r = new SecretRedactor();
    r.add("PIN", "9271");
    r.add("TINY", "ab");
    expect(r.redact("pin=9271 ab")).toBe("pin=[secret:PIN] ab");
    expect(streamed(r, "pin=9271 ab", 1)).toBe("pin=[secret:PIN] ab");
  });

  it("streams text without findings through unchanged, whatever the chunking", () => {
    const r = make();
    const text = "lorem ipsum ".repeat(2000);
    expect(streamed(r, text, 1000)).toBe(text);
    expect(streamed(r, text, 1)).toBe(text);
  });

  it("scans without replacing: the exfiltration guard's view", () => {
    const r = make();
    expect(r.scan(`q=${encodeURIComponent(SPECIAL)}&k=${b64(TOKEN)}`)).toEqual([
      { kind: "secret", name: "DB_PASS" },
      { kind: "secret", name: "API_TOKEN" },
    ]);
    expect(r.scan("clean")).toEqual([]);
  });
});

const CREDENTIALS: [string, string][] = [
  ["aws-access-key", "AKIAIOSFODNN7EXAMPLE"],
  ["aws-secret-key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
  ["github-token", `ghp_${"a1B2c3D4e5".repeat(3)}abcdef`],
  ["github-fine-grained-token", `github_pat_11ABCDEFG0${"x".repeat(40)}`],
  ["gitlab-token", "glpat-abcdefghij0123456789"],
  ["slack-token", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"],
  ["slack-webhook", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"],
  ["discord-bot-token", "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"],
  ["telegram-bot-token", "1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"],
  ["google-api-key", "AIzaSyA1234567890abcdefghijklmnopqrstuv"],
  ["openai-key", "sk-proj-abcdefghijklmnopqrstuvwxyz012345"],
  ["jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
];

describe("SecretRedactor: well-known credential formats", () => {
  for (const [format, value] of CREDENTIALS) {
    it(`redacts and reports a ${format}, whole and streamed`, () => {
      const events: CredentialEvent[] = [];
      const r = new SecretRedactor({ onCredential: (e) => events.push(e) });
      const text = `found: ${value}\nnext line`;
      for (const out of [r.redact(text), streamed(new SecretRedactor(), text, 5)]) {
        expect(out).toContain(`[credential:${format}]`);
        expect(out).toContain("next line");
      }
      expect(events[0]?.format).toBe(format);
      expect(events[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(JSON.stringify(events)).not.toContain(value.slice(-12));
    });
  }

  it("remembers a detected credential so its base64 form is redacted later", () => {
    const r = new SecretRedactor();
    r.redact("key AKIAIOSFODNN7EXAMPLE");
    expect(r.redact(b64("AKIAIOSFODNN7EXAMPLE"))).toContain("[credential:aws-access-key]");
    expect(r.scan(`x=${b64("AKIAIOSFODNN7EXAMPLE")}`)).toEqual([{ kind: "credential", name: "aws-access-key" }]);
  });

  it("leaves look-alikes alone", () => {
    const r = new SecretRedactor();
    const text = "AKIA is a prefix; ghp_short; sk-; eyJ; a.b.c; 12345:AB; version 1.2.3";
    expect(r.redact(text)).toBe(text);
  });

  const KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n".repeat(20)}-----END OPENSSH PRIVATE KEY-----`;

  it("redacts a private key block whole, in one piece or streamed line by line", () => {
    const events: CredentialEvent[] = [];
    const r = new SecretRedactor({ onCredential: (e) => events.push(e) });
    const text = `cat id_ed25519\n${KEY}\n$ done`;
    expect(r.redact(text)).toBe("cat id_ed25519\n[credential:private-key]\n$ done");
    expect(streamed(r, text, 9)).toBe("cat id_ed25519\n[credential:private-key]\n$ done");
    expect(events.map((e) => e.format)).toContain("private-key");
  });

  it("drops everything after an unterminated private key block", () => {
    const r = new SecretRedactor();
    const cut = KEY.slice(0, 300);
    expect(r.redact(`head\n${cut}`)).toBe("head\n[credential:private-key]");
    expect(streamed(r, `head\n${cut}`, 4)).toBe("head\n[credential:private-key]");
  });

  it("joins a value and a credential that overlap, leaving no part of either visible", () => {
    const token = `ghp_${"A1b2C3d4E5".repeat(4)}`;
    const r = new SecretRedactor();
    r.add("PART", token.slice(10, 30));
    expect(r.redact(`x ${token} y`)).toBe("x [secret:PART] y");
    // The token was learned by then: from now on it is found whole, by its format.
    expect(streamed(r, `x ${token} y`, 3)).toBe("x [credential:github-token] y");
  });

  it("keeps a registered name over a detected format", () => {
    const r = new SecretRedactor();
    r.add("AWS_KEY", "AKIAIOSFODNN7EXAMPLE");
    expect(r.redact("AKIAIOSFODNN7EXAMPLE")).toBe("[secret:AWS_KEY]");
  });
});
