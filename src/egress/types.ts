// The egress domain's small interfaces: the policy callback, the audit callback, and the views of the secrets domain
// it needs. Kept here so the policy engine, the audit log and the secret store can change without touching egress.
import type { Bindings, Finding, RedactionStream } from "../secrets/index.js";
import type { Scheme } from "./target.js";

/** What policy sees of one connection or request. Method and path are absent for CONNECT (opaque tunnel). */
export interface EgressQuery {
  readonly via: "proxy" | "tool";
  readonly scheme: Scheme;
  readonly host: string;
  readonly port: number;
  readonly method?: string;
  readonly path?: string;
  /** Secret names the request uses through handles (resolved only if bound). */
  readonly secrets: readonly string[];
}

export interface EgressDecision {
  readonly verdict: "allow" | "deny" | "ask";
  readonly reason: string;
  readonly rule?: string;
}

/**
 * The policy callback. Contract: may await an approval and then answer allow or deny; an `ask` that comes back is
 * treated as a denial (nobody approved), and a throw as a denial too (fail closed).
 */
export type EgressDecide = (query: EgressQuery) => EgressDecision | Promise<EgressDecision>;

export interface EgressEvent {
  readonly type:
    | "egress.allowed"
    | "egress.denied"
    | "egress.exfiltration_blocked"
    | "egress.redirect"
    | "egress.response"
    | "egress.error";
  readonly via: "proxy" | "tool";
  readonly scheme?: string;
  readonly host?: string;
  readonly port?: number;
  readonly method?: string;
  /** Redacted; the query string is never recorded. */
  readonly path?: string;
  readonly address?: string;
  readonly reason?: string;
  readonly rule?: string;
  readonly secrets?: readonly string[];
  readonly findings?: readonly Finding[];
  readonly status?: number;
  readonly bytes?: number;
  readonly truncated?: boolean;
}

/** Must not throw; the audit domain handles its own failures. */
export type EgressAudit = (event: EgressEvent) => void;

/** The redactor as egress uses it (the secrets domain's SecretRedactor fits). */
export interface Scanner {
  redact(text: string): string;
  stream(): RedactionStream;
  scan(text: string): Finding[];
}

/** Host-side secret values and where they may go. */
export interface SecretAccess {
  readonly bindings: Bindings;
  get(name: string): Promise<string | undefined>;
}
