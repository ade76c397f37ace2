// ApprovalGate: the part of approvals that the agent runtime uses around one action, so the runtime can be tested
// with a fake (gate.fake.ts). Approvals implements it. Plus the schemas for requests that arrive over HTTP/CLI.
import * as z from "zod";
import { err, type Result, WardenError } from "../errors.js";
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

/**
 * The whole exception path for one action, for the agent runtime: ask, wait for the answer, and claim the approval
 * (consume) right before the action runs. Not approved -> APPROVAL_DENIED or APPROVAL_EXPIRED with the reason in
 * `details.data.reason`, for the model. The caller then records the execution start (ExecutionJournal.begin).
 */
export async function awaitApproval(gate: ApprovalGate, input: RequestInput, actor: string): Promise<Result<Approval>> {
  const asked = gate.request(input);
  const answer = await gate.wait(asked.id);
  if (answer.state !== "approved") {
    const code = answer.state === "expired" ? "APPROVAL_EXPIRED" : "APPROVAL_DENIED";
    const reason = answer.reason ?? answer.state;
    return err(
      new WardenError(code, `approval ${asked.id} ${answer.state}: ${reason}`, { data: { ...answer, reason } }),
    );
  }
  return gate.consume(asked.id, input.action, actor);
}

/** `GET /v1/approvals?state=&task=` and `warden approvals list [--json]`. */
export const approvalsListQuerySchema = z.lazy(() =>
  z.strictObject({
    state: z.enum([...APPROVAL_STATES, "all"]).default("pending"),
    task: z.string().min(1).max(200).optional(),
  }),
);

/** `POST /v1/approvals/:id/approve` and `warden approve ID [--scope once|task|always]`. */
export const approveBodySchema = z.lazy(() => z.strictObject({ scope: scopeSchema.default("once") }));

/** `POST /v1/approvals/:id/deny` and `warden deny ID [--reason TEXT]`. */
export const denyBodySchema = z.lazy(() => z.strictObject({ reason: z.string().min(1).max(2000).optional() }));
