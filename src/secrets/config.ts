// The `secrets:` section of warden.yaml. Every field has a default, so an absent section means: keyring if available,
// no bindings (no secret goes anywhere).
import * as z from "zod";
import { bindingsSchema } from "./bindings.js";

export const secretsConfigSchema = z.strictObject({
  /** Where the store's key lives: `auto` tries the OS keyring (secret-tool) and falls back to a 0600 key file. */
  keySource: z.enum(["auto", "keyring", "file"]).default("auto"),
  bindings: bindingsSchema.default({ http: [], env: [] }),
});
export type SecretsConfig = z.infer<typeof secretsConfigSchema>;
