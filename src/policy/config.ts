// The policy domain's keys in warden.yaml (`policy:`), with defaults. Must never be read from the environment here:
// the composition root parses the config file and passes the values in.
import * as z from "zod";

export const policyConfigSchema = z.lazy(() =>
  z
    .strictObject({
      /** PATH used to resolve executables, in rules and actions: the PATH the sandbox gives commands. */
      sandboxPath: z.string().min(1).default("/usr/local/bin:/usr/bin:/bin"),
      /** Hot reload: quiet time after a file event before reloading. */
      reloadDebounceMs: z.number().int().min(0).max(5000).default(20),
      /** Hot reload backstop: how often the policy files are stat'ed in case an event was lost. */
      // A backstop only (fs.watch reports edits at once): polling often keeps an idle daemon awake and its heap from
      // shrinking, so once a second is the default.
      reloadPollMs: z.number().int().min(10).max(60_000).default(1000),
    })
    .prefault({}),
);
export type PolicyConfig = z.infer<typeof policyConfigSchema>;
