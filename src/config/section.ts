// One section of warden.yaml, for one-shot commands that need only it (`warden sandbox exec` reads `sandbox:`). When
// the file's exact text is in the YAML cache (an entry is written only after the whole file validated), the section
// comes from the cache: as validated by this same build, or else validated alone; either way neither the YAML parser
// nor the other domains' schemas are loaded: that loading was most of such a command's start-up. Otherwise the whole
// file is loaded and validated as the daemon does, and cached. This is the config domain's second public entry,
// beside index.ts, for exactly that reason.
import { readFileSync } from "node:fs";
import type * as z from "zod";
import type { YamlCache } from "../home/index.js";
import { deepFreeze } from "./freeze.js";

/**
 * `schema` loads the section's schema; it is called only when the section must be validated here: with a validated
 * cache entry, neither zod nor the schema's module is loaded at all.
 */
export async function loadConfigSection<S extends z.ZodType>(
  file: string,
  key: string,
  schema: () => Promise<S>,
  cache: YamlCache,
): Promise<z.output<S>> {
  let text: string | undefined;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text = undefined; // Why swallow: the full load below reports the unreadable file with its fix.
  }
  const cached = text === undefined ? undefined : cache.get(text);
  // The whole file validated by this same build before: its section is the answer, with no schema built at all.
  const valid = cached?.valid as Record<string, unknown> | undefined;
  if (valid?.[key] !== undefined) return deepFreeze(valid[key]) as z.output<S>;
  (await import("./jitless.js")).zodJitless(); // as for the whole file
  const data = cached?.data;
  if (data !== null && typeof data === "object" && !Array.isArray(data)) {
    // The whole file's schema fills an absent section from {} (prefault): do the same.
    const section = (await schema()).safeParse((data as Record<string, unknown>)[key] ?? {});
    if (section.success) return section.data;
  }
  const { loadConfigFile } = await import("./load.js");
  const config = loadConfigFile(file, cache) as unknown as Record<string, unknown>;
  cache.flush();
  return config[key] as z.output<S>;
}
