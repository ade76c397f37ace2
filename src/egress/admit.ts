// One destination, admitted or refused: policy first (so a denied name is never even looked up in DNS), then the
// proxy's own resolution, then the address check on every resolved address. The caller connects to the returned
// address and nothing else (no second lookup, so no DNS rebinding between check and connect).
import { canonicalAddress, classifyAddress } from "./address.js";
import type { EgressConfig } from "./config.js";
import type { Resolver } from "./resolver.js";
import type { Parsed } from "./target.js";
import type { EgressDecide, EgressDecision, EgressQuery } from "./types.js";

export interface Admitted {
  readonly address: string;
  readonly family: 4 | 6;
  readonly decision: EgressDecision;
}

export interface AdmitDeps {
  readonly decide: EgressDecide;
  readonly resolver: Resolver;
  readonly config: Pick<EgressConfig, "allowAddresses">;
}

export async function admit(query: EgressQuery, ip: boolean, deps: AdmitDeps): Promise<Parsed<Admitted>> {
  let decision: EgressDecision;
  try {
    decision = await deps.decide(query);
  } catch {
    // Fail closed: a policy engine that cannot answer is a denial (its own error is its domain's to report).
    return { ok: false, reason: "policy could not decide" };
  }
  if (decision.verdict === "ask") return { ok: false, reason: `approval required: ${decision.reason}` };
  if (decision.verdict !== "allow") return { ok: false, reason: `denied by policy: ${decision.reason}` };
  let addresses: string[];
  if (ip) addresses = [query.host];
  else {
    try {
      addresses = await deps.resolver.resolve(query.host);
    } catch {
      return { ok: false, reason: `${query.host} could not be resolved` };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: `${query.host} does not resolve` };
  const allowed = new Set(deps.config.allowAddresses);
  const checked: string[] = [];
  // Every answer must pass: a name answering with one public and one internal address is refused as a whole.
  for (const a of addresses) {
    const canonical = canonicalAddress(a);
    if (canonical === undefined) return { ok: false, reason: `${query.host} resolved to a malformed address` };
    const verdict = classifyAddress(canonical);
    if (verdict.internal && !allowed.has(canonical)) {
      return {
        ok: false,
        reason: `${ip ? canonical : `${query.host} resolves to ${canonical}`} (${verdict.reason}), not in egress.allowAddresses`,
      };
    }
    checked.push(canonical);
  }
  const address = checked[0]!;
  return { ok: true, value: { address, family: address.includes(":") ? 6 : 4, decision } };
}

/** A `lookup` for node:net/http that always answers the admitted address (the host name stays for TLS and Host). */
export function pinnedLookup(admitted: Admitted) {
  return (
    _host: string,
    options: { all?: boolean } | number | undefined,
    callback: (e: Error | null, address: string | { address: string; family: number }[], family?: number) => void,
  ): void => {
    if (typeof options === "object" && options?.all)
      callback(null, [{ address: admitted.address, family: admitted.family }]);
    else callback(null, admitted.address, admitted.family);
  };
}
