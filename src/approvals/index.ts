// Public API of the approvals domain: the queue, its config schema, its types, and the action adapter helpers.
export {
  type Action,
  actionSchema,
  bindingHash,
  type Decision,
  decisionSchema,
  describeAction,
  feedbackKey,
  proposeRule,
  ruleDiff,
} from "./adapter.js";
export { Approvals, type ApprovalsDeps, type RequestInput } from "./approvals.js";
export { type ApprovalsConfig, approvalsConfigSchema } from "./config.js";
export {
  type ApprovalGate,
  approvalsListQuerySchema,
  approveBodySchema,
  awaitApproval,
  denyBodySchema,
} from "./gate.js";
export { RuleProposals } from "./proposals.js";
export { type ApprovalRouteDeps, approvalRoutes } from "./routes.js";
export {
  type Answer,
  APPROVAL_STATES,
  type Approval,
  type ApprovalEvent,
  type ApprovalState,
  type Approver,
  answerSchema,
  approvalIdSchema,
  approverSchema,
  type Resolution,
  type RuleProposal,
  type Scope,
  scopeSchema,
} from "./types.js";
