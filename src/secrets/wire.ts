// Glue for the composition root and for the domains that run commands: load the store into the redactor, give
// egress its view of the secrets, and resolve a command's environment. Values leave the store only through here and
// through egress injection.
import { type Bindings, type Resolution, resolveEnv } from "./bindings.js";
import { handlesIn } from "./names.js";
import type { SecretRedactor } from "./redactor.js";
import type { SecretStore } from "./store.js";

/**
 * Register every stored value with the redactor (at start-up, and again after `warden secrets set/rm`). Values only
 * accumulate: a removed or rotated secret's old value stays redacted until the daemon restarts, since it may still be
 * valid somewhere.
 */
export async function syncRedactor(redactor: SecretRedactor, store: SecretStore): Promise<number> {
  const values = await store.values();
  for (const [name, value] of values) redactor.add(name, value);
  return values.size;
}

/** What egress needs: bindings, and values on demand (only called for handles the bindings allow). */
export function secretAccess(
  store: SecretStore,
  bindings: Bindings,
): { bindings: Bindings; get(name: string): Promise<string | undefined> } {
  return { bindings, get: (name) => store.get(name) };
}

/**
 * The environment for a command about to run (sandbox or exec): each `secret:NAME` must be bound to this command
 * (its resolved absolute path) and this variable. The caller runs the command only on `ok`, and should register the
 * result's values with the redactor already (syncRedactor) so the command's output is redacted.
 */
export async function resolveCommandEnv(
  store: SecretStore,
  bindings: Bindings,
  command: string,
  env: Readonly<Record<string, string>>,
): Promise<Resolution<Record<string, string>>> {
  const names = new Set(Object.values(env).flatMap((v) => handlesIn(v)));
  const values = new Map<string, string>();
  // Only bound names are read from the store: an unbound handle is denied without touching its value.
  for (const name of names) {
    if (!bindings.env.some((b) => b.secret === name && b.command === command)) continue;
    const v = await store.get(name);
    if (v !== undefined) values.set(name, v);
  }
  return resolveEnv(bindings, command, env, (name) => values.get(name));
}
