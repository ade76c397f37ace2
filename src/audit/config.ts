// The audit section of warden.yaml. Strict: a misspelt key is an error, not a silently ignored setting.
import * as z from "zod";

export const auditConfigSchema = z.lazy(() =>
  z.strictObject({
    modelContent: z
      .enum(["metadata", "redacted"])
      .default("redacted")
      .describe(
        "What model.request/model.response events hold: metadata only (model, token counts, timing) or also the content, with secrets redacted.",
      ),
    verifyOnStart: z
      .boolean()
      .default(true)
      .describe("Verify the whole chain when the daemon starts, and record the outcome as an audit.verified event."),
  }),
);
export type AuditConfig = z.infer<typeof auditConfigSchema>;
