// The sandbox domain's second public entry, beside index.ts, for one-shot commands (`warden sandbox exec`): building
// the configured backend and running one command, without the zod schema of the `sandbox:` section. index.ts
// re-exports config.ts, and loading zod was the largest part of that command's start-up once its config came from
// the YAML cache. The schema stays reachable lazily through index.ts for a cache miss.
export { type ClosableSandbox, createSandbox, type SandboxDeps } from "./create.js";
export { EXIT_TIMEOUT, type SandboxExecRequest, sandboxExec } from "./exec.js";
