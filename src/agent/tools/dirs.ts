// list_dir and search_files: host-side, read-only, confined to the task workspace. Folders are opened without
// following links and read through their descriptor; links inside are listed, never followed. Capped in entries,
// files, bytes and results. Names or lines from files the agent did not write mark the result untrusted.
import { constants } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import * as z from "zod";
import { decidedPath, openConfined } from "../confine.js";
import { defineTool, type ToolContext, type ToolOutput } from "../tool.js";

export const MAX_ENTRIES = 500;
export const MAX_SEARCH_FILES = 2000;
export const MAX_SEARCH_FILE_BYTES = 1024 * 1024;
const MAX_LINE = 200;

type Kind = "file" | "dir" | "link" | "other";

async function listConfined(ctx: ToolContext, dir: string) {
  const fh = await openConfined(ctx.workspace, dir, constants.O_RDONLY | constants.O_DIRECTORY);
  if (!fh.ok) return fh;
  try {
    // Read the folder through the descriptor: the checked folder, whatever happened to its path since.
    const entries = await readdir(`/proc/self/fd/${fh.value.fd}`, { withFileTypes: true });
    return {
      ok: true as const,
      value: entries.map((e) => ({
        name: e.name,
        kind: (e.isSymbolicLink() ? "link" : e.isDirectory() ? "dir" : e.isFile() ? "file" : "other") as Kind,
      })),
    };
  } finally {
    await fh.value.close();
  }
}

const listSchema = z.lazy(() =>
  z.strictObject({ path: z.string().min(1).max(4096).default(".").describe("Folder, default .") }),
);
export const listDirTool = defineTool<z.infer<typeof listSchema>>({
  name: "list_dir",
  description: "List a workspace folder.",
  schema: listSchema,
  sideEffect: false,
  action: (a) => ({ tool: "read_file", path: a.path, args: { op: "list_dir" } }),
  async run(_a, ctx): Promise<ToolOutput> {
    const dir = decidedPath(ctx.workspace, ctx.decision.facts, "path");
    if (!dir.ok) return { ok: false, error: dir.error };
    const r = await listConfined(ctx, dir.value);
    if (!r.ok) return { ok: false, error: r.error };
    const entries = r.value.sort((a, b) => (a.name < b.name ? -1 : 1)).slice(0, MAX_ENTRIES);
    const untrusted = entries.some((e) => !ctx.written.has(join(dir.value, e.name)));
    return {
      ok: true,
      value: { path: relative(ctx.workspace, dir.value) || ".", entries, truncated: r.value.length > MAX_ENTRIES },
      untrusted,
    };
  },
});

const searchSchema = z.lazy(() =>
  z.strictObject({
    query: z.string().min(1).max(200).describe("Literal text to find (not a regex)"),
    path: z.string().min(1).max(4096).default(".").describe("Folder to search, default ."),
    maxResults: z.number().int().min(1).max(200).default(50),
  }),
);
export const searchFilesTool = defineTool<z.infer<typeof searchSchema>>({
  name: "search_files",
  description: "Find lines containing literal text in workspace files.",
  schema: searchSchema,
  sideEffect: false,
  action: (a) => ({ tool: "read_file", path: a.path, args: { op: "search_files" } }),
  async run(a, ctx): Promise<ToolOutput> {
    const root = decidedPath(ctx.workspace, ctx.decision.facts, "path");
    if (!root.ok) return { ok: false, error: root.error };
    const matches: { path: string; line: number; text: string }[] = [];
    let scanned = 0;
    let untrusted = false;
    const queue = [root.value];
    while (queue.length > 0 && matches.length < a.maxResults && scanned < MAX_SEARCH_FILES) {
      const dir = queue.shift() as string;
      const listed = await listConfined(ctx, dir);
      if (!listed.ok) {
        if (dir === root.value) return { ok: false, error: listed.error };
        continue;
      }
      for (const e of listed.value.sort((x, y) => (x.name < y.name ? -1 : 1))) {
        const p = join(dir, e.name);
        if (e.kind === "dir") queue.push(p);
        if (e.kind !== "file" || scanned >= MAX_SEARCH_FILES || matches.length >= a.maxResults) continue;
        scanned += 1;
        const found = await searchFile(ctx, p, a.query, a.maxResults - matches.length);
        if (found.length > 0 && !ctx.written.has(p)) untrusted = true;
        matches.push(...found);
      }
    }
    return { ok: true, value: { query: a.query, matches, filesScanned: scanned }, untrusted };
  },
});

async function searchFile(ctx: ToolContext, path: string, query: string, room: number) {
  const fh = await openConfined(ctx.workspace, path, constants.O_RDONLY);
  if (!fh.ok) return [];
  try {
    const st = await fh.value.stat();
    if (!st.isFile() || st.size > MAX_SEARCH_FILE_BYTES) return [];
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await fh.value.read(buf, 0, buf.length, 0);
    const data = buf.subarray(0, bytesRead);
    if (data.includes(0) || !data.includes(query)) return [];
    const out: { path: string; line: number; text: string }[] = [];
    const lines = data.toString("utf8").split("\n");
    for (let i = 0; i < lines.length && out.length < room; i++) {
      const line = lines[i] as string;
      if (line.includes(query))
        out.push({ path: relative(ctx.workspace, path), line: i + 1, text: line.slice(0, MAX_LINE) });
    }
    return out;
  } finally {
    await fh.value.close();
  }
}
