// HTTP API of the approval queue, as routes for the gateway's router (the composition root adds them). Answers
// are attributed to the identity `identify` returns for the request (by default the owner: the gateway's bearer
// token is the owner's). Refusals come back as WardenErrors, already audited by the queue.
import { WardenError } from "../errors.js";
import type { RequestContext, Route } from "../gateway/index.js";
import type { Approvals } from "./approvals.js";
import { approvalsListQuerySchema, approveBodySchema, denyBodySchema } from "./gate.js";
import type { Approver, RuleProposal } from "./types.js";

export interface ApprovalRouteDeps {
  approvals: Approvals;
  /** Who is answering through this request; default: the owner, via "api". */
  identify?: (ctx: RequestContext<unknown>) => Approver;
}

const OWNER: Approver = { id: "owner", role: "owner", via: "api" };

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: WardenError }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/**
 * GET  /v1/approvals?state=&task=          -> {approvals}  (default: pending)
 * GET  /v1/approvals/:id                   -> approval
 * POST /v1/approvals/:id/approve {scope}   -> approval     (scope once|task|always, default once)
 * POST /v1/approvals/:id/deny {reason}     -> approval
 * GET  /v1/rule-proposals?state=           -> {proposals}
 * POST /v1/rule-proposals/:id/accept|dismiss -> proposal    (owner only; accepting returns the rule to apply)
 */
export function approvalRoutes(deps: ApprovalRouteDeps): Route[] {
  const { approvals } = deps;
  const who = (ctx: RequestContext<unknown>) => (deps.identify ? deps.identify(ctx) : OWNER);
  const id = (ctx: RequestContext<unknown>) => ctx.params.id ?? "";
  return [
    {
      method: "GET",
      path: "/v1/approvals",
      handler: (ctx) => {
        const q = approvalsListQuerySchema.safeParse(Object.fromEntries(ctx.query));
        if (!q.success) throw new WardenError("BAD_REQUEST", "invalid query: expected state and/or task");
        return { body: { approvals: approvals.list(q.data) } };
      },
    },
    {
      method: "GET",
      path: "/v1/approvals/:id",
      handler: (ctx) => {
        const a = approvals.get(id(ctx));
        if (!a) throw new WardenError("NOT_FOUND", "no such approval request");
        return { body: a };
      },
    },
    {
      method: "POST",
      path: "/v1/approvals/:id/approve",
      body: approveBodySchema.prefault({}),
      handler: (ctx) => ({
        body: unwrap(approvals.answer(id(ctx), who(ctx), { decision: "approve", scope: ctx.body.scope })),
      }),
    } satisfies Route<{ scope: "once" | "task" | "always" }> as Route,
    {
      method: "POST",
      path: "/v1/approvals/:id/deny",
      body: denyBodySchema.prefault({}),
      handler: (ctx) => ({
        body: unwrap(approvals.answer(id(ctx), who(ctx), { decision: "deny", reason: ctx.body.reason })),
      }),
    } satisfies Route<{ reason?: string | undefined }> as Route,
    {
      method: "GET",
      path: "/v1/rule-proposals",
      handler: (ctx) => {
        const state = ctx.query.get("state");
        if (state !== null && !["proposed", "accepted", "dismissed"].includes(state)) {
          throw new WardenError("BAD_REQUEST", "state must be proposed, accepted or dismissed");
        }
        return {
          body: { proposals: approvals.proposals.list((state ?? undefined) as RuleProposal["state"] | undefined) },
        };
      },
    },
    ...(["accept", "dismiss"] as const).map(
      (verdict): Route => ({
        method: "POST",
        path: `/v1/rule-proposals/:id/${verdict}`,
        handler: (ctx) => ({ body: unwrap(approvals.proposals.answer(id(ctx), who(ctx), verdict)) }),
      }),
    ),
  ];
}
