// The one error type that crosses Warden's edges (CLI, HTTP API, config load), with a closed set of codes.
// Inside the agent loop failures are values; at the edges they become a WardenError, converted once to an exit code
// or an HTTP status. Never branch on an error's message: branch on its code.

export const ERROR_CODES = {
  USAGE: { exit: 2, http: 400 },
  CONFIG_INVALID: { exit: 1, http: 500 },
  POLICY_INVALID: { exit: 1, http: 500 },
  POLICY_DENIED: { exit: 3, http: 403 },
  APPROVAL_PENDING: { exit: 4, http: 202 },
  APPROVAL_DENIED: { exit: 4, http: 403 },
  APPROVAL_EXPIRED: { exit: 4, http: 410 },
  HOME_INVALID: { exit: 1, http: 500 },
  STORE_FAILED: { exit: 1, http: 500 },
  ALREADY_RUNNING: { exit: 1, http: 409 },
  NOT_RUNNING: { exit: 1, http: 503 },
  PORT_IN_USE: { exit: 1, http: 500 },
  BIND_REFUSED: { exit: 1, http: 500 },
  UNAUTHORIZED: { exit: 1, http: 401 },
  NOT_FOUND: { exit: 1, http: 404 },
  BAD_REQUEST: { exit: 1, http: 400 },
  SANDBOX_UNAVAILABLE: { exit: 1, http: 500 },
  SANDBOX_FAILED: { exit: 1, http: 500 },
  EGRESS_DENIED: { exit: 3, http: 403 },
  SECRET_NOT_FOUND: { exit: 1, http: 404 },
  SECRET_STORE_FAILED: { exit: 1, http: 500 },
  AUDIT_CORRUPT: { exit: 1, http: 500 },
  CONFLICT: { exit: 1, http: 409 },
  MODEL_FAILED: { exit: 1, http: 502 },
  TIMEOUT: { exit: 1, http: 504 },
  INTERRUPTED: { exit: 1, http: 503 },
  INTERNAL: { exit: 1, http: 500 },
} as const satisfies Record<string, { exit: number; http: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetails {
  /** What the user can do about it, one line. */
  fix?: string;
  /** Where it happened: a file, optionally with a line. */
  file?: string;
  line?: number;
  /** Structured facts for --json output and the API. */
  data?: Record<string, unknown>;
}

export class WardenError extends Error {
  override readonly name = "WardenError";
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function isWardenError(e: unknown): e is WardenError {
  return e instanceof WardenError;
}

/** Wrap anything thrown into a WardenError, keeping the original as `cause`. */
export function toWardenError(e: unknown, code: ErrorCode = "INTERNAL"): WardenError {
  if (e instanceof WardenError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new WardenError(code, message, {}, { cause: e });
}

/**
 * The WardenError another process described (`toJSON()` sent over HTTP or the start-up pipe). An unknown code becomes
 * INTERNAL: the set of codes stays closed whatever the other side sends.
 */
export function fromErrorJson(json: unknown, fallbackMessage: string): WardenError {
  const e = (json ?? {}) as { code?: unknown; message?: unknown; fix?: unknown };
  const code = typeof e.code === "string" && e.code in ERROR_CODES ? (e.code as ErrorCode) : "INTERNAL";
  const message = typeof e.message === "string" ? e.message : fallbackMessage;
  return new WardenError(code, message, typeof e.fix === "string" ? { fix: e.fix } : {});
}

/** An expected outcome that may fail: returned, not thrown. */
export type Result<T, E = WardenError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
