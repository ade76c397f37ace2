// HTTP API of the audit log, as routes for the gateway's router (the composition root adds them). Read-only:
// no route here can append, edit or delete an event.

import type * as z from "zod";
import { WardenError } from "../errors.js";
import type { Route } from "../gateway/index.js";
import type { ExecutionJournal, ExecutionState } from "./executions.js";
import { auditExportQuerySchema, auditTailQuerySchema } from "./http.js";
import type { AuditLog } from "./log.js";

const PAGE = 1000;

function query<T>(schema: z.ZodType<T>, q: URLSearchParams): T {
  const parsed = schema.safeParse(Object.fromEntries(q));
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ");
    throw new WardenError("BAD_REQUEST", `invalid query: ${detail}`);
  }
  return parsed.data;
}

/**
 * GET /v1/audit/verify -> VerifyResult (200 either way; the CLI exits 1 with AUDIT_CORRUPT when ok is false).
 * GET /v1/audit/events?since=&task=&afterSeq= -> {events, nextAfterSeq}: a page of at most 1000 events; the CLI
 *   asks again with afterSeq=nextAfterSeq until it is null, printing one JSON line per event.
 * GET /v1/audit/tail?limit= -> {events}, oldest first. Follow mode goes over the WebSocket (see docs/audit.md).
 * GET /v1/executions?state=&task= -> {executions} (with a journal): e.g. state=interrupted, for a human to review.
 */
export function auditRoutes(audit: AuditLog, journal?: ExecutionJournal): Route[] {
  return [
    ...(journal ? [executionsRoute(journal)] : []),
    { method: "GET", path: "/v1/audit/verify", handler: async () => ({ body: await audit.verify() }) },
    {
      method: "GET",
      path: "/v1/audit/events",
      handler: (ctx) => {
        const q = query(auditExportQuerySchema, ctx.query);
        const events = [];
        for (const e of audit.export(q)) {
          events.push(e);
          if (events.length === PAGE) break;
        }
        return { body: { events, nextAfterSeq: events.length === PAGE ? events.at(-1)!.seq : null } };
      },
    },
    {
      method: "GET",
      path: "/v1/audit/tail",
      handler: (ctx) => {
        const q = query(auditTailQuerySchema, ctx.query);
        const events =
          q.afterSeq === undefined
            ? audit.tail(q.limit)
            : [...audit.export({ afterSeq: q.afterSeq })].slice(0, q.limit);
        return { body: { events } };
      },
    },
  ];
}

const STATES: readonly ExecutionState[] = ["started", "ended", "interrupted"];

function executionsRoute(journal: ExecutionJournal): Route {
  return {
    method: "GET",
    path: "/v1/executions",
    handler: (ctx) => {
      const state = ctx.query.get("state") ?? undefined;
      if (state !== undefined && !STATES.includes(state as ExecutionState)) {
        throw new WardenError("BAD_REQUEST", "state must be started, ended or interrupted");
      }
      const task = ctx.query.get("task") ?? undefined;
      return { body: { executions: journal.list({ state: state as ExecutionState | undefined, task }) } };
    },
  };
}
