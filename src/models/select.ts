// Picks the model provider at start-up: the configured one; else (when asked to look) the first usual local server
// that answers; else the embedded engine when it is installed and a model file is in <home>/models; else none; and
// says why, for logs and `warden doctor`. Resolves the API key handle through a callback (the secrets domain), so
// this module never sees the secret store. Loads no model and no engine (the embedded provider loads on first use).
// Never throws.
import { existsSync } from "node:fs";
import { err, ok, type Result, WardenError } from "../errors.js";
import { cloudChoice } from "./cloud.js";
import type { ModelConfig } from "./config.js";
import { createEmbeddedProvider } from "./embedded.js";
import { engineDirs as defaultEngineDirs, engineMissingError, findEngine } from "./engine.js";
import { modelsDirOf, resolveModelPath } from "./files.js";
import { isListening } from "./listening.js";
import { createOpenAICompatibleProvider, type OpenAICompatibleOptions } from "./openai-compatible.js";
import {
  DEFAULT_LOCAL_SERVERS,
  type FetchLike,
  type LocalServerCandidate,
  type LocalServerProbe,
  probeLocalServers,
} from "./probe.js";
import type { ModelProvider } from "./types.js";

/** The `model` section of warden.yaml, as validated by the config schema (defaults optional here). */
export interface ModelSettings {
  provider: ModelConfig["provider"];
  baseUrl?: string | undefined;
  model?: string | undefined;
  /** a handle `secret:NAME`, never a literal key */
  apiKey?: string | undefined;
  path?: string | undefined;
  contextSize?: number | undefined;
  threads?: number | undefined;
  cloud?: boolean | undefined;
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
  /** the home: its models/ folder holds the GGUF files, its engine/ folder may hold the engine */
  homeRoot?: string;
  /** where the engine is looked for; default engineDirs(homeRoot) */
  engineDirs?: readonly string[];
}

export type ModelChoice =
  | { kind: "configured"; provider: ModelProvider; detail: string }
  | { kind: "detected"; provider: ModelProvider; server: LocalServerCandidate; model: string; detail: string }
  | { kind: "embedded"; provider: ModelProvider; path: string; detail: string }
  | { kind: "none"; detail: string; probe?: LocalServerProbe; embedded?: string };

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
  if (settings.provider === "embedded") {
    const embedded = embeddedChoice(settings, deps);
    if (!embedded.ok) return embedded;
    return ok({
      kind: "configured",
      provider: embedded.value.provider,
      detail: `configured: ${embedded.value.detail}`,
    });
  }
  if (settings.provider === "openai" || settings.provider === "anthropic") {
    return cloudChoice(settings, deps);
  }
  if (!deps.autoDetect) return ok({ kind: "none", detail: "no model configured: the agent is off" });

  const candidates = deps.candidates ?? DEFAULT_LOCAL_SERVERS;
  // a port nobody listens on needs no HTTP request (an injected fetch is a test's server: asked as it is)
  const open = deps.fetch
    ? candidates.map(() => true)
    : await Promise.all(candidates.map((c) => isListening(c.baseUrl, deps.probeTimeoutMs ?? 800)));
  const probe = await probeLocalServers(
    candidates.filter((_, i) => open[i]),
    deps.fetch,
    deps.probeTimeoutMs !== undefined ? { timeoutMs: deps.probeTimeoutMs } : {},
  );
  probe.attempts = candidates.map(
    (c) =>
      probe.attempts.find((a) => a.baseUrl === c.baseUrl) ?? {
        ...c,
        ok: false,
        error: new WardenError("MODEL_FAILED", `nothing listens at ${c.baseUrl}`),
      },
  );
  const found = probe.found;
  const model = found && (settings.model && found.models.includes(settings.model) ? settings.model : found.models[0]);
  if (!found || model === undefined) {
    const tried = probe.attempts.map((a) => `${a.name} (${a.baseUrl})`).join(", ");
    const server = found
      ? `${found.name} at ${found.baseUrl} answers but serves no model`
      : `no model configured and no local server answered (tried ${tried})`;
    const embedded = embeddedChoice(settings, deps);
    if (embedded.ok) {
      const detail = `${server}; using the embedded engine: ${embedded.value.detail}`;
      return ok({ kind: "embedded", provider: embedded.value.provider, path: embedded.value.path, detail });
    }
    return ok({ kind: "none", detail: server, probe, embedded: embedded.error.message });
  }
  const provider = createOpenAICompatibleProvider({ ...common, baseUrl: found.baseUrl, model });
  const server = { name: found.name, baseUrl: found.baseUrl };
  return ok({ kind: "detected", provider, server, model, detail: `found ${found.name} at ${found.baseUrl}: ${model}` });
}

/** The embedded provider when the engine is installed and the model file is there; loads neither. */
function embeddedChoice(
  settings: ModelSettings,
  deps: SelectDeps,
): Result<{ provider: ModelProvider; path: string; detail: string }, WardenError> {
  const dirs = deps.engineDirs ?? defaultEngineDirs(deps.homeRoot);
  const engine = findEngine(dirs);
  if (!engine) return err(engineMissingError(dirs));
  const modelsDir = deps.homeRoot ? modelsDirOf(deps.homeRoot) : undefined;
  const path = modelsDir ? resolveModelPath(modelsDir, settings.path) : settings.path;
  if (path === undefined || !existsSync(path)) {
    const where = path ?? (modelsDir ? `${modelsDir} (empty)` : "model.path (unset)");
    return err(
      new WardenError("CONFIG_INVALID", `no model file for the embedded engine: ${where}`, {
        fix: "run `warden model pull` (downloads the default model), or copy a GGUF file into <home>/models and set model.path",
      }),
    );
  }
  const provider = createEmbeddedProvider({
    modelPath: path,
    engineDirs: [engine.dir],
    ...(settings.contextSize !== undefined ? { contextSize: settings.contextSize } : {}),
    ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
  });
  return ok({ provider, path, detail: `embedded engine ${engine.version} with ${path}` });
}
