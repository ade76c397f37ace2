// An in-memory SecretStore (no encryption, no disk): for other domains' tests and throwaway runs. Same contract.
import { WardenError } from "../errors.js";
import { isSecretName } from "./names.js";
import type { SecretInfo, SecretStore } from "./store.js";

export function memorySecretStore(initial: Record<string, string> = {}): SecretStore {
  const secrets = new Map<string, { value: string; updatedAt: string }>();
  const check = (name: string) => {
    if (!isSecretName(name)) throw new WardenError("USAGE", `invalid secret name ${JSON.stringify(name)}`);
  };
  for (const [name, value] of Object.entries(initial))
    secrets.set(name, { value, updatedAt: new Date(0).toISOString() });
  return {
    async set(name, value) {
      check(name);
      if (value.length === 0) throw new WardenError("USAGE", "a secret value cannot be empty");
      secrets.set(name, { value, updatedAt: new Date().toISOString() });
    },
    async list(): Promise<SecretInfo[]> {
      return [...secrets]
        .map(([name, s]) => ({ name, updatedAt: s.updatedAt }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async remove(name) {
      check(name);
      return secrets.delete(name);
    },
    async get(name) {
      return secrets.get(name)?.value;
    },
    async values() {
      return new Map([...secrets].map(([name, s]) => [name, s.value]));
    },
  };
}
