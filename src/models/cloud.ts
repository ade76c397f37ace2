// Cloud model providers, off by default: chosen only with model.provider openai or anthropic AND model.cloud: true
// (every prompt, tool result and file content the agent reads then leaves this machine), always with a key given as
// a secret handle. openai goes through the same OpenAI-compatible provider as local servers; anthropic is
// anthropic.ts (the Messages API over fetch). Never throws.
import { err, ok, type Result, WardenError } from "../errors.js";
import { createAnthropicProvider } from "./anthropic.js";
import { createOpenAICompatibleProvider } from "./openai-compatible.js";
import type { ModelChoice, ModelSettings, SelectDeps } from "./select.js";

export const CLOUD_DEFAULT_URLS = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com/v1",
} as const;

const HANDLE = /^secret:([A-Za-z0-9_.-]{1,64})$/;

export async function cloudChoice(
  settings: ModelSettings,
  deps: SelectDeps,
): Promise<Result<ModelChoice, WardenError>> {
  const provider = settings.provider;
  if (provider !== "openai" && provider !== "anthropic") {
    return err(new WardenError("INTERNAL", `${provider} is not a cloud provider`));
  }
  if (settings.cloud !== true) {
    return err(
      new WardenError("CONFIG_INVALID", `model.provider ${provider} sends every prompt off this machine`, {
        fix: "set model.cloud: true in warden.yaml to allow it, or use a local model",
      }),
    );
  }
  const name = settings.apiKey !== undefined ? HANDLE.exec(settings.apiKey)?.[1] : undefined;
  if (name === undefined || !settings.model) {
    return err(
      new WardenError("CONFIG_INVALID", `model.provider ${provider} needs model.model and model.apiKey: secret:NAME`, {
        fix: `store the key with \`warden secrets set NAME\`, then set model.apiKey: secret:NAME and model.model`,
      }),
    );
  }
  if (!deps.resolveSecret) {
    return err(
      new WardenError("SECRET_NOT_FOUND", `model.apiKey names ${settings.apiKey} but no secret store is open`),
    );
  }
  const key = await deps.resolveSecret(name);
  if (!key.ok) return key;
  const baseUrl = settings.baseUrl ?? CLOUD_DEFAULT_URLS[provider];
  const common = {
    baseUrl,
    model: settings.model,
    apiKey: key.value,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
  };
  const made = provider === "openai" ? createOpenAICompatibleProvider(common) : createAnthropicProvider(common);
  return ok({
    kind: "configured",
    provider: made,
    detail: `configured: CLOUD ${provider} ${settings.model} at ${baseUrl} (prompts leave this machine)`,
  });
}
