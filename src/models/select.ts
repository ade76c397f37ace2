// Picks the model provider at start-up: the configured one, else (when asked to look) the first usual local server
// that answers, else none; and says why, for logs and `warden doctor`. Resolves the API key handle through a
// callback (the secrets domain), so this module never sees the secret store. Never throws.
import { err, ok, type Result, WardenError } from "../errors.js";
import { createOpenAICompatibleProvider, type OpenAICompatibleOptions } from "./openai-compatible.js";
import {
  DEFAULT_LOCAL_SERVERS,
  type FetchLike,
  type LocalServerCandidate,
  type LocalServerProbe,
  probeLocalServers,
} from "./probe.js";
import type { ModelProvider } from "./types.js";

/** The `model` section of warden.yaml, as validated by the config schema. */
export interface ModelSettings {
  provider: "none" | "openai-compatible";
  baseUrl?: string;
  model?: string;
  /** a handle `secret:NAME`, never a literal key */
  apiKey?: string;
}

export interface SelectDeps {
  /** the value of a stored secret by name; needed only when model.apiKey is set */
  resolveSecret?: (name: string) => Promise<Result<string, WardenError>>;
  /** look for a local server when none is configured (start-up and doctor); default false */
  autoDetect?: boolean;
  candidates?: readonly LocalServerCandidate[];
  fetch?: FetchLike;
  /** passed to the provider */
  timeoutMs?: number;
  probeTimeoutMs?: number;
}

export type ModelChoice =
  | { kind: "configured"; provider: ModelProvider; detail: string }
  | { kind: "detected"; provider: ModelProvider; server: LocalServerCandidate; model: string; detail: string }
  | { kind: "none"; detail: string; probe?: LocalServerProbe };

const HANDLE = /^secret:([A-Za-z0-9_.-]{1,64})$/;

async function resolveKey(settings: ModelSettings, deps: SelectDeps): Promise<Result<string | undefined, WardenError>> {
  if (settings.apiKey === undefined) return ok(undefined);
  const name = HANDLE.exec(settings.apiKey)?.[1];
  if (name === undefined) {
    return err(new WardenError("CONFIG_INVALID", "model.apiKey must be a handle secret:NAME, never a literal key"));
  }
  if (!deps.resolveSecret) {
    return err(
      new WardenError("SECRET_NOT_FOUND", `model.apiKey names ${settings.apiKey} but no secret store is open`),
    );
  }
  return deps.resolveSecret(name);
}

export async function selectModelProvider(
  settings: ModelSettings,
  deps: SelectDeps = {},
): Promise<Result<ModelChoice, WardenError>> {
  const common: Partial<OpenAICompatibleOptions> = {
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    ...(deps.probeTimeoutMs !== undefined ? { probeTimeoutMs: deps.probeTimeoutMs } : {}),
  };
  if (settings.provider === "openai-compatible") {
    if (!settings.baseUrl || !settings.model) {
      return err(
        new WardenError("CONFIG_INVALID", "model.baseUrl and model.model are required with model.provider", {
          fix: "set model.baseUrl (e.g. http://127.0.0.1:11434/v1) and model.model in warden.yaml",
        }),
      );
    }
    const key = await resolveKey(settings, deps);
    if (!key.ok) return key;
    const provider = createOpenAICompatibleProvider({
      ...common,
      baseUrl: settings.baseUrl,
      model: settings.model,
      ...(key.value ? { apiKey: key.value } : {}),
    });
    return ok({ kind: "configured", provider, detail: `configured: ${settings.model} at ${settings.baseUrl}` });
  }
  if (!deps.autoDetect) return ok({ kind: "none", detail: "no model configured: the agent is off" });

  const probe = await probeLocalServers(deps.candidates ?? DEFAULT_LOCAL_SERVERS, deps.fetch, {
    ...(deps.probeTimeoutMs !== undefined ? { timeoutMs: deps.probeTimeoutMs } : {}),
  });
  const found = probe.found;
  const model = found && (settings.model && found.models.includes(settings.model) ? settings.model : found.models[0]);
  if (!found || model === undefined) {
    const tried = probe.attempts.map((a) => `${a.name} (${a.baseUrl})`).join(", ");
    const detail = found
      ? `${found.name} at ${found.baseUrl} answers but serves no model`
      : `no model configured and no local server answered (tried ${tried})`;
    return ok({ kind: "none", detail, probe });
  }
  const provider = createOpenAICompatibleProvider({ ...common, baseUrl: found.baseUrl, model });
  const server = { name: found.name, baseUrl: found.baseUrl };
  return ok({ kind: "detected", provider, server, model, detail: `found ${found.name} at ${found.baseUrl}: ${model}` });
}
