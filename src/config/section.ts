// One section of warden.yaml, for one-shot commands that need only it (`warden sandbox exec` reads `sandbox:`). When
// the file's exact text is in the YAML cache (an entry is written only after the whole file validated), only that
// section is validated, and neither the YAML parser nor the other domains' schemas are loaded: that loading was most
// of such a command's start-up. Otherwise the whole file is loaded and validated as the daemon does, and cached. This
// is the config domain's second public entry, beside index.ts, for exactly that reason.
import { readFileSync } from "node:fs";
import * as z from "zod";
import type { YamlCache } from "../home/index.js";

export async function loadConfigSection<S extends z.ZodType>(
  file: string,
  key: string,
  schema: S,
  cache: YamlCache,
): Promise<z.output<S>> {
  z.config({ jitless: true }); // as for the whole file (see schema.ts): a one-shot parse is faster interpreted
  let text: string | undefined;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text = undefined; // Why swallow: the full load below reports the unreadable file with its fix.
  }
  const data = text === undefined ? undefined : cache.get(text)?.data;
  if (data !== null && typeof data === "object" && !Array.isArray(data)) {
    // The whole file's schema fills an absent section from {} (prefault): do the same.
    const section = schema.safeParse((data as Record<string, unknown>)[key] ?? {});
    if (section.success) return section.data;
  }
  const { loadConfigFile } = await import("./load.js");
  const config = loadConfigFile(file, cache) as unknown as Record<string, unknown>;
  cache.flush();
  return config[key] as z.output<S>;
}
