// The daemon's own endpoints: status and shutdown. Other domains bring their routes through the composition root.
import type { Config } from "../config/index.js";
import type { Route } from "../gateway/index.js";
import type { HomePaths } from "../home/index.js";
import type { PreviousRun } from "./runs.js";
import type { Services } from "./services.js";

export interface StatusBody {
  version: string;
  pid: number;
  home: string;
  url?: string;
  startedAt: string;
  uptimeSeconds: number;
  rssBytes: number;
  /** The model in use: configured, or found at start-up (a local server, the embedded engine); "none" when off. */
  model: { provider: string; model?: string | undefined; detail?: string };
  previousRun?: PreviousRun | undefined;
  policy: { version: string; rules: number };
  approvals: { pending: number };
  audit: { lastSeq: number | null };
}

interface RouteDeps {
  paths: HomePaths;
  config: Config;
  version: string;
  startedAt: Date;
  previous: PreviousRun | undefined;
  services: Services;
  stop(reason: string): Promise<void>;
}

export function daemonRoutes(deps: RouteDeps): Route[] {
  return [
    {
      method: "GET",
      path: "/v1/status",
      handler: (): { body: StatusBody } => ({
        body: {
          version: deps.version,
          pid: process.pid,
          home: deps.paths.root,
          startedAt: deps.startedAt.toISOString(),
          uptimeSeconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
          rssBytes: process.memoryUsage.rss(),
          model: deps.services.agent.model
            ? {
                provider: deps.services.agent.model.provider,
                model: deps.services.agent.model.name,
                detail: deps.services.agent.model.detail,
              }
            : { provider: "none" },
          previousRun: deps.previous,
          policy: {
            version: deps.services.policy.current().version,
            rules: deps.services.policy.current().rules.length,
          },
          approvals: { pending: deps.services.approvals.list({ state: "pending" }).length },
          audit: { lastSeq: deps.services.audit.tail(1)[0]?.seq ?? null },
        },
      }),
    },
    {
      method: "POST",
      path: "/v1/shutdown",
      handler: () => {
        // Answer first, then stop: the caller waits for the pid to go away.
        setImmediate(() => void deps.stop("shutdown requested through the API"));
        return { status: 202, body: { stopping: true, pid: process.pid } };
      },
    },
  ];
}
