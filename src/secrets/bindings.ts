// Bindings: which secret may go where. A handle `secret:NAME` resolves to its value only in a place a binding names:
// a header or query parameter of requests to one scheme/host/port/path prefix, or one environment variable of one
// resolved command. Anything else is a denial (returned, not thrown). This file never reads the store itself: the
// caller passes a lookup, so the decision is testable without values.
import * as z from "zod";
import { handlesIn, replaceHandles, secretNameSchema } from "./names.js";

export const httpBindingSchema = z.lazy(() =>
  z
    .strictObject({
      secret: secretNameSchema,
      scheme: z.enum(["https", "http"]).default("https"),
      /** Exact host name, compared case-insensitively; no wildcards. */
      host: z.string().min(1).max(253),
      /** Default: 443 for https, 80 for http. */
      port: z.number().int().min(1).max(65535).optional(),
      /** Segment-wise prefix: `/v1` covers `/v1` and `/v1/x`, not `/v10`. */
      pathPrefix: z.string().startsWith("/").default("/"),
      header: z.string().min(1).max(200).optional(),
      query: z.string().min(1).max(200).optional(),
    })
    .refine((b) => (b.header === undefined) !== (b.query === undefined), "a binding names exactly one header or query"),
);
export type HttpBinding = z.infer<typeof httpBindingSchema>;

export const envBindingSchema = z.lazy(() =>
  z.strictObject({
    secret: secretNameSchema,
    /** Absolute path of the resolved executable (after realpath), as the sandbox runs it. */
    command: z.string().startsWith("/"),
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  }),
);
export type EnvBinding = z.infer<typeof envBindingSchema>;

export const bindingsSchema = z.lazy(() =>
  z.strictObject({
    http: z.array(httpBindingSchema).default([]),
    env: z.array(envBindingSchema).default([]),
  }),
);
export type Bindings = z.infer<typeof bindingsSchema>;

export interface Destination {
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

/** Where a handle was found in a request. */
export type Placement = { readonly header: string } | { readonly query: string };

export type Resolution<T> = { ok: true; value: T; used: string[] } | { ok: false; reason: string; secret: string };

export function defaultPort(scheme: string): number {
  return scheme === "http" ? 80 : 443;
}

export function pathCovered(prefix: string, path: string): boolean {
  if (prefix === "/" || prefix === path) return true;
  const base = prefix.endsWith("/") ? prefix : `${prefix}/`;
  return path.startsWith(base);
}

/** Is `secret` bound to this destination at all (any placement)? Used by the exfiltration guard. */
export function boundTo(bindings: Bindings, secret: string, to: Destination): boolean {
  return bindings.http.some((b) => b.secret === secret && matchesDestination(b, to));
}

/** Is `secret` bound to this destination in this placement? The exfiltration guard allows a value only there. */
export function boundAt(bindings: Bindings, secret: string, to: Destination, where: Placement): boolean {
  return bindings.http.some((b) => b.secret === secret && matchesDestination(b, to) && placed(b, where));
}

function matchesDestination(b: HttpBinding, to: Destination): boolean {
  return (
    b.scheme === to.scheme &&
    b.host.toLowerCase() === to.host.toLowerCase() &&
    (b.port ?? defaultPort(b.scheme)) === to.port &&
    pathCovered(b.pathPrefix, to.path)
  );
}

function placed(b: HttpBinding, where: Placement): boolean {
  if ("header" in where) return b.header !== undefined && b.header.toLowerCase() === where.header.toLowerCase();
  return b.query !== undefined && b.query === where.query;
}

/**
 * Replace the handles in one header or query value by their values, if every one is bound to this destination and
 * placement; `lookup` returns undefined for a secret that is not in the store.
 */
export function resolveHttpValue(
  bindings: Bindings,
  to: Destination,
  where: Placement,
  text: string,
  lookup: (name: string) => string | undefined,
): Resolution<string> {
  const used = handlesIn(text);
  for (const name of used) {
    if (!bindings.http.some((b) => b.secret === name && matchesDestination(b, to) && placed(b, where))) {
      const place = "header" in where ? `header ${where.header}` : `query parameter ${where.query}`;
      return { ok: false, secret: name, reason: `secret:${name} is not bound to ${place} of ${describe(to)}` };
    }
    if (lookup(name) === undefined) return { ok: false, secret: name, reason: `secret:${name} is not in the store` };
  }
  return { ok: true, value: replaceHandles(text, (name) => lookup(name) ?? ""), used };
}

/** Resolve handles in a command's environment: each must be bound to this command and variable. */
export function resolveEnv(
  bindings: Bindings,
  command: string,
  env: Readonly<Record<string, string>>,
  lookup: (name: string) => string | undefined,
): Resolution<Record<string, string>> {
  const out: Record<string, string> = {};
  const usedAll: string[] = [];
  for (const [key, text] of Object.entries(env)) {
    for (const name of handlesIn(text)) {
      if (!bindings.env.some((b) => b.secret === name && b.command === command && b.env === key)) {
        return { ok: false, secret: name, reason: `secret:${name} is not bound to ${key} of ${command}` };
      }
      if (lookup(name) === undefined) return { ok: false, secret: name, reason: `secret:${name} is not in the store` };
      usedAll.push(name);
    }
    out[key] = replaceHandles(text, (name) => lookup(name) ?? "");
  }
  return { ok: true, value: out, used: usedAll };
}

/** Every binding of one secret, as one-line descriptions for `warden secrets list`. */
export function describeBindings(bindings: Bindings, secret: string): string[] {
  const http = bindings.http
    .filter((b) => b.secret === secret)
    .map((b) => {
      const place = b.header !== undefined ? `header ${b.header}` : `query ${b.query}`;
      return `${place} -> ${b.scheme}://${b.host}:${b.port ?? defaultPort(b.scheme)}${b.pathPrefix}`;
    });
  const env = bindings.env.filter((b) => b.secret === secret).map((b) => `env ${b.env} -> ${b.command}`);
  return [...http, ...env];
}

function describe(to: Destination): string {
  return `${to.scheme}://${to.host}:${to.port}${to.path}`;
}
