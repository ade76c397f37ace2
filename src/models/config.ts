// The `model` section of warden.yaml: which model the agent uses. Imported by src/config/schema.ts without loading the
// rest of the models domain. Cloud providers are off unless `cloud: true` says, in the file, that prompts may leave
// the machine; their key is always a secret handle.
import * as z from "zod";

import { secretHandle } from "../secrets/config.js";

export const MODEL_PROVIDERS = ["none", "openai-compatible", "embedded", "openai", "anthropic"] as const;
export const CLOUD_PROVIDERS: readonly string[] = ["openai", "anthropic"];

export const modelConfigSchema = z.lazy(() =>
  z
    .strictObject({
      provider: z
        .enum(MODEL_PROVIDERS)
        .default("none")
        .describe(
          "none: the agent is off (start-up still looks for a local server and the embedded engine); openai-compatible: " +
            "Ollama, llama.cpp server, vLLM, NVIDIA NIM, LM Studio; embedded: a GGUF file run in-process " +
            "(`warden model engine install`, `warden model pull`); openai, anthropic: cloud APIs, need cloud: true.",
        ),
      baseUrl: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe("e.g. http://127.0.0.1:11434/v1 for Ollama; cloud providers default to their public API"),
      model: z.string().min(1).optional().describe("the model name the server or cloud API knows"),
      apiKey: secretHandle.optional(),
      path: z
        .string()
        .min(1)
        .optional()
        .describe(
          "embedded: the GGUF file; a bare name is a file in <home>/models (default: the pulled default model)",
        ),
      contextSize: z.number().int().min(512).max(131072).optional().describe("embedded: context window in tokens"),
      threads: z.number().int().min(1).max(256).optional().describe("embedded: CPU threads (default: all cores)"),
      cloud: z
        .boolean()
        .default(false)
        .describe("true allows a cloud provider: every prompt, tool result and file the agent reads is sent to it"),
    })
    .superRefine((m, ctx) => {
      if (m.provider === "openai-compatible" && (m.baseUrl === undefined || m.model === undefined)) {
        ctx.addIssue({ code: "custom", message: "model.baseUrl and model.model are required with openai-compatible" });
      }
      if (CLOUD_PROVIDERS.includes(m.provider)) {
        if (!m.cloud) {
          ctx.addIssue({
            code: "custom",
            path: ["cloud"],
            message: `model.provider ${m.provider} sends every prompt off this machine: set model.cloud: true to allow it`,
          });
        }
        if (m.apiKey === undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["apiKey"],
            message: `model.provider ${m.provider} needs apiKey: secret:NAME`,
          });
        }
        if (m.model === undefined) {
          ctx.addIssue({ code: "custom", path: ["model"], message: `model.provider ${m.provider} needs model.model` });
        }
      }
    }),
);

export type ModelConfig = z.output<typeof modelConfigSchema>;
