// One hop of an HTTP request, shared by the proxy and the http_request tool: handle placement, the exfiltration
// guard, policy and address admission, secret injection, then send to the admitted address. Every outcome is
// audited here; denials are returned as values with a reason safe to show (redacted).
import type { IncomingMessage } from "node:http";
import { admit } from "./admit.js";
import { auditSafely, type EgressDeps } from "./deps.js";
import { exfiltrationCheck, handlePlacement, injectSecrets, type Outgoing } from "./outgoing.js";
import type { AgentPool } from "./pool.js";
import { send, TimeoutError } from "./send.js";
import type { Target } from "./target.js";

export type HopResult =
  | { ok: true; response: IncomingMessage }
  | { ok: false; code: "EGRESS_DENIED" | "TIMEOUT" | "UPSTREAM_FAILED"; reason: string };

export async function performHop(
  deps: EgressDeps,
  via: "proxy" | "tool",
  req: Outgoing,
  method: string,
  pool?: AgentPool,
): Promise<HopResult> {
  const { target } = req;
  const at = fields(target, method, deps);
  const deny = (reason: string): HopResult => {
    const safe = deps.scanner.redact(reason);
    auditSafely(deps, { type: "egress.denied", via, ...at, reason: safe });
    return { ok: false, code: "EGRESS_DENIED", reason: safe };
  };
  const placement = handlePlacement(req);
  if (!placement.ok) return deny(placement.reason);
  const blocked = exfiltrationCheck(req, deps.scanner, deps.secrets);
  if (blocked) {
    auditSafely(deps, {
      type: "egress.exfiltration_blocked",
      via,
      ...at,
      reason: blocked.reason,
      findings: blocked.findings,
    });
    return { ok: false, code: "EGRESS_DENIED", reason: blocked.reason };
  }
  const secrets = placement.value;
  const query = {
    via,
    scheme: target.scheme,
    host: target.host,
    port: target.port,
    method,
    path: target.path,
    secrets,
  };
  const admitted = await admit(query, target.ip, deps);
  if (!admitted.ok) return deny(admitted.reason);
  const injected = await injectSecrets(req, secrets, deps.secrets);
  if (!injected.ok) return deny(injected.reason);
  const d = admitted.value.decision;
  auditSafely(deps, {
    type: "egress.allowed",
    via,
    ...at,
    address: admitted.value.address,
    reason: d.reason,
    ...(d.rule ? { rule: d.rule } : {}),
    secrets,
  });
  try {
    const { response } = send({
      target,
      admitted: admitted.value,
      method,
      headers: injected.value.headers,
      search: injected.value.search,
      ...(req.body ? { body: req.body } : {}),
      timeoutMs: deps.config.timeoutMs,
      ...(deps.ca ? { ca: deps.ca } : {}),
      ...(pool ? { agent: pool.agentFor(target, admitted.value) } : {}),
    });
    return { ok: true, response: await response };
  } catch (e) {
    const timeout = e instanceof TimeoutError;
    const reason = timeout
      ? "the request timed out"
      : `connection failed: ${(e as NodeJS.ErrnoException).code ?? "error"}`;
    auditSafely(deps, { type: "egress.error", via, ...at, reason });
    return { ok: false, code: timeout ? "TIMEOUT" : "UPSTREAM_FAILED", reason };
  }
}

function fields(t: Target, method: string, deps: EgressDeps) {
  return { scheme: t.scheme, host: t.host, port: t.port, method, path: deps.scanner.redact(t.path) };
}

export function hostOf(t: Target): string {
  return t.host.includes(":") ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}
