// The `secrets:` section of warden.yaml. Every field has a default, so an absent section means: keyring if available,
// no bindings (no secret goes anywhere).
import * as z from "zod";
import { bindingsSchema } from "./bindings.js";

/** A reference to a secret held by the host (`secret:NAME`); the value itself never appears in config. */
export const secretHandle = z.lazy(() =>
  z
    .string()
    .regex(
      /^secret:[A-Za-z0-9_.-]{1,64}$/,
      "expected a secret handle like secret:NAME (store the value with `warden secrets set`)",
    ),
);

export const secretsConfigSchema = z.lazy(() =>
  z.strictObject({
    /** Where the store's key lives: `auto` tries the OS keyring (secret-tool) and falls back to a 0600 key file. */
    keySource: z.enum(["auto", "keyring", "file"]).default("auto"),
    bindings: bindingsSchema.default({ http: [], env: [] }),
  }),
);
export type SecretsConfig = z.infer<typeof secretsConfigSchema>;
