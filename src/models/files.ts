// The model files in <home>/models: which GGUF the embedded engine runs when model.path names none, resolving a
// configured path, and the listing `warden model list` shows. Reads only; downloads are pull.ts's.
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { CATALOG, catalogModel, DEFAULT_MODEL } from "./catalog.js";

export function modelsDirOf(homeRoot: string): string {
  return join(homeRoot, "models");
}

export interface ModelFile {
  name: string;
  path: string;
  bytes: number;
  /** starts with the GGUF magic */
  gguf: boolean;
  /** a download still in progress or interrupted (`.part`) */
  partial: boolean;
  /** the catalog entry it is, by name */
  catalog?: string;
}

function hasGgufMagic(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.toString("latin1") === "GGUF";
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Every .gguf (and .gguf.part) file in the folder, sorted by name; [] when the folder does not exist. */
export function listModelFiles(dir: string): ModelFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const files: ModelFile[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith(".gguf") && !name.endsWith(".gguf.part")) continue;
    const path = join(dir, name);
    let bytes: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) continue;
      bytes = st.size;
    } catch {
      continue;
    }
    const partial = name.endsWith(".part");
    const entry = CATALOG.find((m) => m.file === name);
    files.push({
      name,
      path,
      bytes,
      gguf: hasGgufMagic(path),
      partial,
      ...(entry ? { catalog: entry.name } : {}),
    });
  }
  return files;
}

/**
 * The GGUF to run: model.path when set (a bare or relative name is inside the models folder), else the default
 * catalog model when it is there, else the first complete .gguf file by name. undefined when there is none.
 */
export function resolveModelPath(dir: string, configured?: string): string | undefined {
  if (configured !== undefined) return isAbsolute(configured) ? configured : resolve(dir, configured);
  const files = listModelFiles(dir).filter((f) => !f.partial && f.gguf);
  const preferred = catalogModel(DEFAULT_MODEL)?.file;
  return (files.find((f) => f.name === preferred) ?? files[0])?.path;
}
