// Schemas for audit requests that arrive from outside (HTTP query strings, CLI flags), for the gateway to parse
// with. Nothing here reads or writes the log.
import * as z from "zod";

const time = z.lazy(() =>
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), "expected a time, e.g. 2026-11-25T14:00:00Z"),
);

/** `GET /v1/audit/events?since=&task=&afterSeq=` and `warden audit export --jsonl [--since T] [--task ID]`. */
export const auditExportQuerySchema = z.lazy(() =>
  z.strictObject({
    since: time.optional(),
    task: z.string().min(1).max(200).optional(),
    afterSeq: z.coerce.number().int().min(0).optional(),
  }),
);

/** `GET /v1/audit/tail?limit=&afterSeq=` and `warden audit tail [-n N] [-f]`. */
export const auditTailQuerySchema = z.lazy(() =>
  z.strictObject({
    limit: z.coerce.number().int().min(0).max(10_000).default(20),
    afterSeq: z.coerce.number().int().min(0).optional(),
  }),
);
