// Public API of the secrets domain: the encrypted store, handles and bindings, the redactor.
export {
  type Bindings,
  bindingsSchema,
  boundAt,
  boundTo,
  type Destination,
  defaultPort,
  describeBindings,
  type EnvBinding,
  type HttpBinding,
  type Placement,
  type Resolution,
  resolveEnv,
  resolveHttpValue,
} from "./bindings.js";
export { listSecrets, promptHidden, readSecretValue, removeSecret, type SecretListing } from "./cli.js";
export { type SecretsConfig, secretsConfigSchema } from "./config.js";
export { CREDENTIAL_FORMATS, findCredentials } from "./credentials.js";
export { type CommandResult, type CommandRunner, type KeyKind, spawnRunner } from "./keys.js";
export { memorySecretStore } from "./memory.js";
export { handleOf, handlesIn, isSecretName, SECRET_NAME, secretNameSchema } from "./names.js";
export {
  type CredentialEvent,
  type Finding,
  type RedactionStream,
  SecretRedactor,
  type SecretRedactorOptions,
} from "./redactor.js";
export { type FileSecretStoreOptions, fileSecretStore, type SecretInfo, type SecretStore } from "./store.js";
export { resolveCommandEnv, secretAccess, syncRedactor } from "./wire.js";
