// Turning a proposed Action into the facts rules are matched on: real paths, the real executable, wrappers, URL
// parts. Must never let an unresolvable value through as "no constraint": it makes the action invalid (denied).
import { posix } from "node:path";
import type { Action, Budget, Principal, Taint } from "./action.js";
import type { Resolver } from "./resolve.js";
import { detectWrappers, type WrapperId } from "./wrappers.js";

export interface Facts {
  tool: string;
  /** Why the action cannot be evaluated safely (then it is denied), or null. */
  invalid: string | null;
  exe: string | null;
  exeName: string | null;
  args: readonly string[];
  wrappers: WrapperId[];
  cwd: string | null;
  path: string | null;
  workspace: string | null;
  scheme: string | null;
  host: string | null;
  port: number | null;
  urlPath: string | null;
  method: string | null;
  channel: string | null;
  to: string | null;
  secrets: readonly string[];
  principal: Principal | null;
  /** The task's named policy profile, or null. */
  profile: string | null;
  /** True only when the runtime marked the tool read-only (MCP annotations); absent counts as false. */
  readOnly: boolean;
  /** Unknown taint counts as untrusted. */
  taint: Taint;
  budget: Budget;
  toolArgs: Record<string, unknown>;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21 };

/** Hostname as the URL parser normalizes it (lowercase, punycode, IPv4 forms folded), or null. */
export function normalizeHost(host: string): string | null {
  try {
    const h = new URL(`http://${host}/`).hostname;
    return h === "" ? null : h;
  } catch {
    return null;
  }
}

export function computeFacts(action: Action, resolver: Resolver): Facts {
  const f: Facts = {
    tool: action.tool,
    invalid: null,
    exe: null,
    exeName: null,
    args: [],
    wrappers: [],
    cwd: null,
    path: null,
    workspace: null,
    scheme: null,
    host: null,
    port: null,
    urlPath: null,
    method: action.method === undefined ? null : action.method.toUpperCase(),
    channel: action.channel ?? null,
    to: action.to ?? null,
    secrets: action.secrets ?? [],
    principal: action.principal ?? null,
    profile: action.profile ?? null,
    readOnly: action.readOnly === true,
    taint: action.taint ?? "untrusted",
    budget: action.budget ?? {},
    toolArgs: action.args ?? {},
  };
  const bad = (why: string): Facts => {
    f.invalid = why;
    return f;
  };
  if (action.workspace !== undefined) {
    f.workspace = resolver.realpath(action.workspace);
    if (f.workspace === null) return bad("workspace cannot be resolved");
  }
  if (action.cwd !== undefined) {
    f.cwd = resolver.realpath(action.cwd);
    if (f.cwd === null) return bad("cwd cannot be resolved");
  }
  if (action.argv !== undefined) {
    const argv0 = action.argv[0];
    if (argv0 === undefined || argv0 === "") return bad("empty argv");
    if (action.argv.some((a) => a.includes("\0"))) return bad("NUL byte in argv");
    f.exe = resolver.which(argv0, f.cwd ?? undefined);
    f.exeName = posix.basename(argv0);
    f.args = action.argv.slice(1);
    f.wrappers = detectWrappers(action.argv, f.exe);
  } else if (action.tool === "exec") return bad("exec without argv");
  if (action.path !== undefined) {
    f.path = resolver.realpath(action.path, f.cwd ?? f.workspace ?? undefined);
    if (f.path === null) return bad("path cannot be resolved");
  }
  if (action.url !== undefined) {
    let u: URL;
    try {
      u = new URL(action.url);
    } catch {
      return bad("url cannot be parsed");
    }
    f.scheme = u.protocol.replace(/:$/, "");
    f.host = u.hostname;
    f.port = u.port === "" ? (DEFAULT_PORTS[f.scheme] ?? null) : Number(u.port);
    f.urlPath = u.pathname;
    if (f.host === "") return bad("url without a host");
  }
  return f;
}

/** The facts worth recording with a decision (no empty fields, nothing bulky). */
export function factsRecord(f: Facts): Record<string, unknown> {
  const out: Record<string, unknown> = { tool: f.tool };
  if (f.invalid !== null) out.invalid = f.invalid;
  if (f.exe !== null) out.executable = f.exe;
  if (f.wrappers.length > 0) out.wrappers = f.wrappers;
  if (f.cwd !== null) out.cwd = f.cwd;
  if (f.path !== null) out.path = f.path;
  if (f.workspace !== null) out.workspace = f.workspace;
  if (f.host !== null) {
    out.scheme = f.scheme;
    out.host = f.host;
    out.port = f.port;
    out.urlPath = f.urlPath;
  }
  if (f.method !== null) out.method = f.method;
  if (f.channel !== null) out.channel = f.channel;
  if (f.to !== null) out.to = f.to;
  if (f.secrets.length > 0) out.secrets = f.secrets;
  if (f.principal !== null) out.principal = f.principal;
  if (f.profile !== null) out.profile = f.profile;
  if (f.readOnly) out.readOnly = true;
  out.taint = f.taint;
  return out;
}
