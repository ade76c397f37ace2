// The approvals section of warden.yaml. Strict: a misspelt key is an error, not a silently ignored setting.
import * as z from "zod";

/** What an absent key means; also what the daemon's Approvals fills in without building the schema. */
export const APPROVALS_DEFAULTS = { expiryMinutes: 30, approvers: [] as string[], feedbackThreshold: 3 };

export const approvalsConfigSchema = z.lazy(() =>
  z.strictObject({
    expiryMinutes: z
      .number()
      .positive()
      .max(7 * 24 * 60)
      .default(APPROVALS_DEFAULTS.expiryMinutes)
      .describe("Minutes a request waits for an answer before it is denied with reason 'expired'."),
    approvers: z
      .array(z.string().min(1).max(200))
      .max(100)
      .default(APPROVALS_DEFAULTS.approvers)
      .describe("Identities besides the owner who may answer approval requests (e.g. channel:telegram:12345)."),
    feedbackThreshold: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(APPROVALS_DEFAULTS.feedbackThreshold)
      .describe("After this many identical one-time approvals Warden proposes a rule; 0 turns it off."),
  }),
);
export type ApprovalsConfig = z.infer<typeof approvalsConfigSchema>;
