// The request as the agent wrote it, checked before anything leaves: handles only where bindings can place them
// (header and query values), the exfiltration guard (no secret value and no detected credential going to a
// destination it is not bound to), then injection of bound values at send time. Returns denials, never throws.
import {
  boundAt,
  type Destination,
  type Finding,
  handlesIn,
  type Placement,
  resolveHttpValue,
} from "../secrets/index.js";
import type { Parsed, Target } from "./target.js";
import type { Scanner, SecretAccess } from "./types.js";

export type HeaderList = readonly (readonly [string, string])[];

export interface Outgoing {
  readonly target: Target;
  readonly headers: HeaderList;
  readonly body?: Buffer;
}

export function destinationOf(t: Target): Destination {
  return { scheme: t.scheme, host: t.host, port: t.port, path: t.path };
}

/** Secret names used by handles, if every handle is in a header value or a query value. */
export function handlePlacement(req: Outgoing): Parsed<string[]> {
  const used = new Set<string>();
  const elsewhere = (where: string, text: string): Parsed<never> | undefined => {
    const names = handlesIn(text);
    return names.length > 0
      ? { ok: false, reason: `secret:${names[0]} used in ${where}, where no binding applies` }
      : undefined;
  };
  const path = safeDecode(req.target.path);
  const bad =
    elsewhere("the host", req.target.host) ??
    elsewhere("the URL path", `${req.target.path} ${path}`) ??
    (req.body ? elsewhere("the request body", req.body.toString("utf8")) : undefined);
  if (bad) return bad;
  for (const [name, value] of new URLSearchParams(req.target.search)) {
    const badName = elsewhere("a query parameter name", name);
    if (badName) return badName;
    for (const n of handlesIn(value)) used.add(n);
  }
  for (const [name, value] of req.headers) {
    const badName = elsewhere("a header name", name);
    if (badName) return badName;
    for (const n of handlesIn(value)) used.add(n);
  }
  return { ok: true, value: [...used] };
}

export interface Blocked {
  readonly reason: string;
  readonly findings: ReturnType<Scanner["scan"]>;
}

/**
 * The exfiltration guard over URL, headers and body: a secret value may appear only where a binding could have put
 * it (that header or query parameter of that destination); a detected credential may appear nowhere.
 */
export function exfiltrationCheck(req: Outgoing, scanner: Scanner, secrets: SecretAccess): Blocked | undefined {
  const to = destinationOf(req.target);
  const { host, path, search } = req.target;
  // Encoded forms are patterns of the scanner; decoded text is scanned too, for unusual escapings.
  const parts: { text: string; where?: Placement }[] = [{ text: host }, { text: path }, { text: safeDecode(path) }];
  for (const [name, value] of new URLSearchParams(search))
    parts.push({ text: name }, { text: value, where: { query: name } });
  for (const [name, value] of req.headers) parts.push({ text: name }, { text: value, where: { header: name } });
  if (req.body && req.body.length > 0) parts.push({ text: req.body.toString("utf8") });
  const blocking: Finding[] = [];
  for (const part of parts) {
    for (const f of scanner.scan(part.text)) {
      const bound =
        f.kind === "secret" && part.where !== undefined && boundAt(secrets.bindings, f.name, to, part.where);
      if (!bound) blocking.push(f);
    }
  }
  if (blocking.length === 0) return undefined;
  const what = blocking.map((f) => (f.kind === "secret" ? `secret ${f.name}` : `a ${f.name} credential`));
  return {
    reason: `request carries ${[...new Set(what)].join(", ")}, not bound there (${to.host})`,
    findings: blocking,
  };
}

/** Replace bound handles by their values; the returned search string is the new query. */
export async function injectSecrets(
  req: Outgoing,
  used: readonly string[],
  secrets: SecretAccess,
): Promise<Parsed<{ headers: [string, string][]; search: string }>> {
  const values = new Map<string, string>();
  for (const name of used) {
    const v = await secrets.get(name);
    if (v !== undefined) values.set(name, v);
  }
  const lookup = (name: string) => values.get(name);
  const to = destinationOf(req.target);
  const headers: [string, string][] = [];
  for (const [name, value] of req.headers) {
    const r = resolveHttpValue(secrets.bindings, to, { header: name }, value, lookup);
    if (!r.ok) return { ok: false, reason: r.reason };
    headers.push([name, r.value]);
  }
  let search = req.target.search;
  if (used.length > 0 && search !== "") {
    const params = new URLSearchParams(search);
    const out = new URLSearchParams();
    for (const [name, value] of params) {
      const r = resolveHttpValue(secrets.bindings, to, { query: name }, value, lookup);
      if (!r.ok) return { ok: false, reason: r.reason };
      out.append(name, r.value);
    }
    search = `?${out.toString()}`;
  }
  return { ok: true, value: { headers, search } };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
