// The daemon's egress proxy: the only way out of a sandbox that policy grants network to. It listens on a unix socket
// outside Warden's 0700 home (the sandbox runs as an unprivileged uid that must reach it), in a private folder, with a
// random token every client must present. Each connection is decided by the policy as an action
// {tool: "egress", method, url}; with no rule for it, the answer is deny. HTTPS is intercepted with a CA made for this
// run (key in memory only); its certificate, with the public roots, is the bundle sandboxes trust (`ca.pem`, 0644).
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import type { AuditSink } from "../audit/index.js";
import type { Config } from "../config/index.js";
import {
  createCertificateAuthority,
  createHttpRequestTool,
  type EgressDecide,
  type EgressDeps,
  type EgressProxy,
  type EgressQuery,
  type HttpTool,
  startEgressProxy,
  systemResolver,
} from "../egress/index.js";
import { WardenError } from "../errors.js";
import type { Action, PolicyWatcher } from "../policy/index.js";
import { type SecretRedactor, type SecretStore, secretAccess } from "../secrets/index.js";

export interface DaemonEgress {
  socketPath: string;
  token: string;
  /** PEM bundle for sandboxed clients (public roots + this run's CA); absent when egress.tls.intercept is off. */
  caBundle?: string;
  close(): Promise<void>;
}

export interface EgressWiring {
  config: Config;
  policy: PolicyWatcher;
  audit: AuditSink;
  redactor: SecretRedactor;
  secrets: SecretStore;
}

/** The policy's view of one proxied request. Exported for tests: it is the whole contract with the policy. */
export function egressAction(q: EgressQuery): Action {
  const host = q.host.includes(":") ? `[${q.host}]` : q.host;
  return {
    tool: "egress",
    method: q.method ?? "CONNECT",
    url: `${q.scheme}://${host}:${q.port}${q.path ?? "/"}`,
    secrets: [...q.secrets],
    principal: "owner",
  } as Action;
}

export async function startDaemonEgress(w: EgressWiring): Promise<DaemonEgress> {
  // 0711: the sandbox uid may reach the socket by its exact name but cannot list the folder.
  const dir = mkdtempSync(join(tmpdir(), "warden-egress-"));
  chmodSync(dir, 0o711);
  const socketPath = join(dir, "egress.sock");
  const token = randomBytes(24).toString("base64url");
  const intercept = w.config.egress.tls.intercept;
  const authority = intercept ? createCertificateAuthority() : undefined;
  const caBundle = authority ? join(dir, "ca.pem") : undefined;
  let proxy: EgressProxy;
  try {
    if (authority && caBundle) {
      writeFileSync(caBundle, authority.bundle());
      chmodSync(caBundle, 0o644); // public certificates only; the sandbox uid must read them (the daemon's umask is 077)
    }
    proxy = await startEgressProxy(egressDeps(w, policyDecide(w.policy)), {
      socketPath,
      socketMode: 0o666,
      token,
      ...(authority ? { authority } : {}),
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    socketPath,
    token,
    ...(caBundle ? { caBundle } : {}),
    async close() {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Upstream trust: Node's public roots plus the CAs in egress.tls.trust, read once (undefined: the roots alone). A file
 * that cannot be read or holds no certificate is a config error: Warden does not start with a trust store it could
 * not build.
 */
const trusted = new WeakMap<object, string>();

function upstreamTrust(config: Config): string | undefined {
  const files = config.egress.tls.trust;
  if (files.length === 0) return undefined;
  // The proxy, http_request and MCP over HTTP each ask: the files are read and joined to the roots once per config.
  const known = trusted.get(config.egress.tls);
  if (known !== undefined) return known;
  const extra = files.map((file) => {
    let pem: string;
    try {
      pem = readFileSync(file, "utf8");
    } catch (e) {
      throw new WardenError("CONFIG_INVALID", `egress.tls.trust: cannot read ${file}`, { file }, { cause: e });
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----"))
      throw new WardenError("CONFIG_INVALID", `egress.tls.trust: ${file} holds no PEM certificate`, { file });
    return pem;
  });
  const bundle = [...rootCertificates, ...extra].join("\n");
  trusted.set(config.egress.tls, bundle);
  return bundle;
}

/** Each proxied request decided by the policy as the action `{tool: "egress", ...}`. */
export function policyDecide(policy: PolicyWatcher): EgressDecide {
  return (q) => {
    const d = policy.decide(egressAction(q));
    return { verdict: d.effect, reason: d.reason, ...(d.rule ? { rule: d.rule } : {}) };
  };
}

/**
 * What every daemon-side egress path shares (the proxy, http_request, MCP over HTTP): upstream trust, the resolver,
 * the exfiltration scanner, secret bindings, limits and the audit sink. `via` names the path in audit events.
 */
export function egressDeps(w: Omit<EgressWiring, "policy">, decide: EgressDecide, via?: string): EgressDeps {
  const ca = upstreamTrust(w.config);
  return {
    ...(ca ? { ca } : {}),
    decide,
    resolver: systemResolver(),
    scanner: w.redactor,
    secrets: secretAccess(w.secrets, w.config.secrets.bindings),
    config: w.config.egress,
    audit: (e) => {
      // Why swallow: an audit append fails only while the log is closing; the request itself was already decided.
      void w.audit.append({ type: e.type, actor: "warden", data: { ...e, ...(via ? { via } : {}) } }).catch(() => {});
    },
  };
}

/**
 * The agent's http_request tool: the proxy's checks, guard, redaction and audit, run in the daemon. It has no policy
 * of its own: the agent passes its decision (and asks policy for redirects) on every call; without one it denies.
 */
export function daemonHttpTool(w: Omit<EgressWiring, "policy">): HttpTool {
  return createHttpRequestTool(
    egressDeps(w, () => ({ verdict: "deny", reason: "http_request runs only on a decision of the agent's policy" })),
  );
}
