// Public API of the audit domain: the hash-chained log, its types, and the execution journal.
export { canonicalJson, type JsonValue, sha256Hex } from "./canonical.js";
export { encodeForHash, GENESIS_HASH, hashEvent } from "./chain.js";
export { type AuditConfig, auditConfigSchema } from "./config.js";
export {
  type ExecutionEnd,
  ExecutionJournal,
  type ExecutionRecord,
  type ExecutionStart,
  type ExecutionState,
} from "./executions.js";
export { auditExportQuerySchema, auditTailQuerySchema } from "./http.js";
export { type AuditListener, AuditLog, type AuditLogOptions } from "./log.js";
export { auditRoutes } from "./routes.js";
export {
  AUDIT_EVENT_TYPES,
  type AuditEvent,
  type AuditEventInput,
  type AuditSink,
  type ExportOptions,
  type VerifyProblem,
  type VerifyResult,
} from "./types.js";
