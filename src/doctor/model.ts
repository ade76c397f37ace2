// The doctor's model check: which model the agent will use and whether it can, the same way start-up picks it (the
// configured provider, else a local server that answers, else the embedded engine with a model file in
// <home>/models); with none, the exact commands that get one. Flags a cloud provider: prompts leave the machine.
// Loads no model (the embedded check reads the file's header only) and contacts no cloud API.
import type { Config } from "../config/index.js";
import type { CheckResult } from "./checks.js";

export interface ModelCheckOptions {
  homeRoot: string;
  /** overrides for tests */
  candidates?: readonly { name: string; baseUrl: string }[];
  engineDirs?: readonly string[];
}

const GET_ONE =
  "either start a local server (e.g. `ollama serve` and `ollama pull qwen2.5:1.5b`) and set model.provider: " +
  "openai-compatible, model.baseUrl: http://127.0.0.1:11434/v1, model.model: qwen2.5:1.5b; or run " +
  "`warden model engine install` and `warden model pull`, then set model.provider: embedded";

export async function checkModel(config: Config, options: ModelCheckOptions): Promise<CheckResult> {
  const m = await import("../models/index.js");
  const { provider, baseUrl, model } = config.model;
  const dirs = options.engineDirs ?? m.engineDirs(options.homeRoot);
  const modelsDir = m.modelsDirOf(options.homeRoot);

  if (m.CLOUD_PROVIDERS.includes(provider)) {
    return {
      id: "model",
      status: "warn",
      detail: `CLOUD provider ${provider} (${model ?? "?"}${baseUrl ? ` at ${baseUrl}` : ""}): every prompt, tool result and file the agent reads leaves this machine`,
      fix: "use a local model (model.provider: openai-compatible or embedded) to keep prompts on this machine",
    };
  }

  if (provider === "embedded") {
    const engine = m.findEngine(dirs);
    const path = m.resolveModelPath(modelsDir, config.model.path);
    const file = path ? m.listModelFiles(modelsDir).find((f) => f.path === path) : undefined;
    const problems: string[] = [];
    const fixes: string[] = [];
    if (!engine) {
      problems.push("the embedded engine is not installed");
      fixes.push("run `warden model engine install`");
    }
    if (!path) {
      problems.push(`no model file in ${modelsDir}`);
      fixes.push("run `warden model pull` (or copy a GGUF file there and set model.path)");
    } else if (file === undefined && !(await isGguf(path))) {
      problems.push(`${path} is missing or not a GGUF file`);
      fixes.push("fix model.path, or run `warden model pull`");
    } else if (file && !file.gguf) {
      problems.push(`${path} is not a GGUF file`);
      fixes.push("fix model.path, or run `warden model pull`");
    }
    if (problems.length > 0) {
      return { id: "model", status: "fail", detail: `embedded: ${problems.join("; ")}`, fix: fixes.join("; ") };
    }
    return { id: "model", status: "ok", detail: `embedded engine ${engine?.version} with ${path}` };
  }

  if (provider === "none" || !baseUrl) {
    const choice = await m.selectModelProvider(config.model, {
      homeRoot: options.homeRoot,
      autoDetect: true,
      engineDirs: dirs,
      ...(options.candidates ? { candidates: options.candidates } : {}),
    });
    if (choice.ok && choice.value.kind === "detected") {
      const found = choice.value;
      return {
        id: "model",
        status: "warn",
        detail: `no model configured; start-up will use ${found.server.name} at ${found.server.baseUrl} (${found.model})`,
        fix: `to pin it, set model.provider: openai-compatible, model.baseUrl: ${found.server.baseUrl}, model.model: ${found.model} in warden.yaml`,
      };
    }
    if (choice.ok && choice.value.kind === "embedded") {
      return {
        id: "model",
        status: "warn",
        detail: `no model configured and no local server answers; start-up will use the embedded engine with ${choice.value.path}`,
        fix: "to pin it, set model.provider: embedded in warden.yaml",
      };
    }
    const none = choice.ok && choice.value.kind === "none" ? choice.value : undefined;
    const why = none ? `${none.detail}${none.embedded ? `; embedded: ${none.embedded}` : ""}` : "nothing found";
    return { id: "model", status: "warn", detail: `no model: the agent is off (${why})`, fix: GET_ONE };
  }

  // The key is not needed to list models on local servers; a server that wants one answers 401, reported as such.
  const listed = await m.listModels(baseUrl, { timeoutMs: 3000 });
  if (!listed.ok) {
    return {
      id: "model",
      status: "fail",
      detail: `${baseUrl} is not usable: ${listed.error.message}`,
      fix: "start the model server (e.g. `ollama serve`), or fix model.baseUrl",
    };
  }
  const ids = listed.value.models;
  if (model && !ids.includes(model)) {
    return {
      id: "model",
      status: "warn",
      detail: `${baseUrl} answers but does not list ${model} (it has: ${ids.join(", ") || "none"})`,
      fix: "pull the model on the server or fix model.model",
    };
  }
  return { id: "model", status: "ok", detail: `${baseUrl} answers and serves ${model}` };
}

async function isGguf(path: string): Promise<boolean> {
  const { open } = await import("node:fs/promises");
  try {
    const f = await open(path, "r");
    try {
      const head = Buffer.alloc(4);
      const { bytesRead } = await f.read(head, 0, 4, 0);
      return bytesRead === 4 && head.toString("latin1") === "GGUF";
    } finally {
      await f.close();
    }
  } catch {
    return false;
  }
}
