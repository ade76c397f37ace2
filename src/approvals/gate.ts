// ApprovalGate: the part of approvals that the agent runtime uses around one action, so the runtime can be tested
// with a fake (gate.fake.ts). Approvals implements it. Plus the schemas for requests that arrive over HTTP/CLI.
import { z } from "zod";
import type { Result } from "../errors.js";
import type { Action } from "./adapter.js";
import type { RequestInput } from "./approvals.js";
import { APPROVAL_STATES, type Approval, type Resolution, scopeSchema } from "./types.js";

/**
 * Contract: `request` is durable on return (or throws BAD_REQUEST); `wait` resolves once the request leaves
 * "pending" (rejects NOT_FOUND for an unknown id, INTERRUPTED on shutdown); `consume` must succeed right before the
 * action starts, and refuses (never throws) a second use or a different action; `endTask` cancels what the task
 * still waits for and drops its grants.
 */
export interface ApprovalGate {
  request(input: RequestInput): Approval;
  wait(id: string): Promise<Resolution>;
  consume(id: string, action: Action, actor: string): Result<Approval>;
  endTask(task: string, actor: string, reason?: string): Approval[];
}

/** `GET /api/approvals?state=&task=` and `warden approvals list [--json]`. */
export const approvalsListQuerySchema = z.strictObject({
  state: z.enum([...APPROVAL_STATES, "all"]).default("pending"),
  task: z.string().min(1).max(200).optional(),
});

/** `POST /api/approvals/:id/approve` and `warden approve ID [--scope once|task|always]`. */
export const approveBodySchema = z.strictObject({ scope: scopeSchema.default("once") });

/** `POST /api/approvals/:id/deny` and `warden deny ID [--reason TEXT]`. */
export const denyBodySchema = z.strictObject({ reason: z.string().min(1).max(2000).optional() });
