// Routes of the HTTP API: method + path pattern (`/v1/approvals/:id`) -> handler. A handler gets the parsed,
// validated request and returns a reply; it throws a WardenError for expected failures (turned into a status code
// by the server) and nothing else on purpose.
import type * as z from "zod";

export interface RequestContext<B = unknown> {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: B;
}

export interface Reply {
  status?: number;
  body?: unknown;
}

export interface Route<B = unknown> {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** Validates the JSON body; without it the route takes no body. */
  body?: z.ZodType<B>;
  handler(ctx: RequestContext<B>): Reply | Promise<Reply>;
}

interface Compiled {
  route: Route;
  pattern: RegExp;
  names: string[];
}

export class Router {
  private readonly compiled: Compiled[] = [];

  add<B>(route: Route<B>): this {
    const names: string[] = [];
    const source = route.path
      .split("/")
      .map((part) => {
        if (!part.startsWith(":")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(part.slice(1));
        return "([^/]+)";
      })
      .join("/");
    this.compiled.push({ route: route as Route, pattern: new RegExp(`^${source}$`), names });
    return this;
  }

  /** The route for this request, `405` when only the method is wrong, `404` when nothing matches the path. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | 404 | 405 {
    let pathMatched = false;
    for (const { route, pattern, names } of this.compiled) {
      const m = pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { route, params };
    }
    return pathMatched ? 405 : 404;
  }
}
