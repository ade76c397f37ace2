// Asks OpenAI-compatible servers which models they serve (GET {baseUrl}/models), and finds the first usual local
// server that answers (Ollama, llama.cpp, vLLM / NIM), for start-up and `warden doctor`. Short timeouts; never throws.
// Sends an API key only when given one, and only to the server it belongs to.
import * as z from "zod";
import { err, ok, type Result, WardenError } from "../errors.js";
import { runWithDeadline } from "./deadline.js";

export type FetchLike = typeof globalThis.fetch;

export interface LocalServerCandidate {
  name: string;
  baseUrl: string;
}

/** The usual local servers, in the order they are tried. */
export const DEFAULT_LOCAL_SERVERS: readonly LocalServerCandidate[] = [
  { name: "ollama", baseUrl: "http://127.0.0.1:11434/v1" },
  { name: "llama.cpp", baseUrl: "http://127.0.0.1:8080/v1" },
  { name: "vllm", baseUrl: "http://127.0.0.1:8000/v1" },
];

const ModelList = z.lazy(() => z.object({ data: z.array(z.object({ id: z.string() })) }));

export interface ModelsOptions {
  fetch?: FetchLike;
  apiKey?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** GET {baseUrl}/models: the ids it lists, or MODEL_FAILED / TIMEOUT / INTERRUPTED. */
export async function listModels(
  baseUrl: string,
  options: ModelsOptions = {},
): Promise<Result<{ models: string[] }, WardenError>> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const url = `${trimSlash(baseUrl)}/models`;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const outcome = await runWithDeadline(timeoutMs, options.signal, async (signal) => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    const res = await doFetch(url, { headers, signal, redirect: "error" });
    const text = await res.text();
    return { status: res.status, text };
  });
  const where = { data: { url } };
  switch (outcome.kind) {
    case "timeout":
      return err(new WardenError("TIMEOUT", `no answer from ${url} within ${timeoutMs} ms`, where));
    case "aborted":
      return err(new WardenError("INTERRUPTED", `listing models at ${url} was cancelled`, where));
    case "failed": {
      const why = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      return err(
        new WardenError("MODEL_FAILED", `cannot reach the model server at ${url}: ${why}`, {
          ...where,
          fix: "start the model server, or set model.baseUrl to where it listens",
        }),
      );
    }
  }
  const { status, text } = outcome.value;
  if (status < 200 || status >= 300) {
    return err(
      new WardenError("MODEL_FAILED", `${url} answered HTTP ${status}: ${text.slice(0, 200)}`, {
        data: { url, status },
      }),
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return err(new WardenError("MODEL_FAILED", `${url} did not answer with JSON (not a model server?)`, where));
  }
  const parsed = ModelList.safeParse(json);
  if (!parsed.success) {
    return err(new WardenError("MODEL_FAILED", `${url} did not answer with a model list (not a model server?)`, where));
  }
  return ok({ models: parsed.data.data.map((m) => m.id) });
}

export interface LocalServerProbe {
  /** the first candidate (in the given order) that answered with a model list */
  found?: LocalServerCandidate & { models: string[] };
  /** every candidate with what it answered, for `warden doctor` */
  attempts: Array<LocalServerCandidate & { ok: boolean; models?: string[]; error?: WardenError }>;
}

/** Tries every candidate at once with a short timeout; the earliest in the list that answered wins. */
export async function probeLocalServers(
  candidates: readonly LocalServerCandidate[] = DEFAULT_LOCAL_SERVERS,
  fetch?: FetchLike,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<LocalServerProbe> {
  const timeoutMs = options.timeoutMs ?? 800;
  const results = await Promise.all(
    candidates.map((c) =>
      listModels(c.baseUrl, {
        timeoutMs,
        ...(fetch ? { fetch } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    ),
  );
  const attempts = candidates.map((c, i): LocalServerProbe["attempts"][number] => {
    const r = results[i];
    if (!r) return { ...c, ok: false };
    return r.ok ? { ...c, ok: true, models: r.value.models } : { ...c, ok: false, error: r.error };
  });
  const hit = attempts.find((a) => a.ok);
  return hit ? { found: { name: hit.name, baseUrl: hit.baseUrl, models: hit.models ?? [] }, attempts } : { attempts };
}
