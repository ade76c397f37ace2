// Public API of the policy domain: everything other domains may use. Nothing else in src/policy is imported
// from outside this folder.
export {
  type Action,
  actionSchema,
  type Budget,
  canonicalActionHash,
  canonicalJson,
  type Grant,
  grantSchema,
  PROFILE_NAME,
  type Principal,
  type Taint,
} from "./action.js";
export { formatDecision, formatExplanation, parseAction, parseActionJson } from "./cli.js";
export { type PolicyConfig, policyConfigSchema } from "./config.js";
export { checkJson, type Decision, NO_MATCH_REASON } from "./decision.js";
export type { CompiledPolicy, DecideContext, Explanation, TraceStep } from "./engine.js";
export { attenuate, checkAttenuation } from "./grants.js";
export {
  formatLint,
  type LintResult,
  lintCompiled,
  lintPolicyDir,
  lintProfiles,
  namedProfiles,
  type ProfileUse,
} from "./lint.js";
export { formatIssue, type PolicyIssue } from "./load.js";
export { createMemoryResolver, type MemoryResolverOptions } from "./memory-resolver.js";
export { compilePolicyTexts, DEFAULT_SANDBOX_PATH, type LoadOptions, loadPolicyDir } from "./policy.js";
export { createNodeResolver, type Resolver } from "./resolve.js";
export { type Effect, policyFileSchema, policyJsonSchema, type RuleSpec, ruleSchema } from "./schema.js";
export {
  formatSimulation,
  type RecordedDecision,
  type SimulatedChange,
  type Simulation,
  simulate,
} from "./simulate.js";
export { STARTER_POLICY } from "./starter.js";
export { type PolicyWatcher, type PolicyWatcherOptions, watchPolicyDir } from "./watch.js";
export { detectWrappers, WRAPPER_FORMS, WRAPPER_PROGRAMS, type WrapperId } from "./wrappers.js";
