// read_file, write_file, edit_file: host-side, on the real path the policy decided on, confined to the task
// workspace (confine.ts), with size caps. Writes never touch the sensitive files the sandbox keeps read-only.
// Reading a file the agent did not write marks the result untrusted.
import { constants } from "node:fs";
import { dirname, relative } from "node:path";
import * as z from "zod";
import { decidedPath, ensureDir, type FileOwner, isSensitive, openConfined, parentOf } from "../confine.js";
import { defineTool, fail, type Tool, type ToolContext, type ToolOutput } from "../tool.js";

export const MAX_READ_BYTES = 256 * 1024;
export const MAX_WRITE_BYTES = 1024 * 1024;

const pathArg = z.lazy(() => z.string().min(1).max(4096).describe("Path relative to the workspace"));

async function readCapped(ctx: ToolContext, path: string, cap: number) {
  const fh = await openConfined(ctx.workspace, path, constants.O_RDONLY);
  if (!fh.ok) return fh;
  try {
    const st = await fh.value.stat();
    if (!st.isFile()) return { ok: false as const, error: { code: "NOT_A_FILE", reason: "not a regular file" } };
    const buf = Buffer.alloc(Math.min(st.size, cap));
    const { bytesRead } = await fh.value.read(buf, 0, buf.length, 0);
    return { ok: true as const, value: { data: buf.subarray(0, bytesRead), size: st.size } };
  } finally {
    await fh.value.close();
  }
}

const readSchema = z.lazy(() => z.strictObject({ path: pathArg }));
export const readFileTool = defineTool<z.infer<typeof readSchema>>({
  name: "read_file",
  description: "Read a text file in the workspace (first 256 KiB).",
  schema: readSchema,
  sideEffect: false,
  action: (a) => ({ tool: "read_file", path: a.path }),
  async run(_a, ctx): Promise<ToolOutput> {
    const path = decidedPath(ctx.workspace, ctx.decision.facts, "path");
    if (!path.ok) return { ok: false, error: path.error };
    const r = await readCapped(ctx, path.value, MAX_READ_BYTES);
    if (!r.ok) return { ok: false, error: r.error };
    const { data, size } = r.value;
    const untrusted = !ctx.written.has(path.value);
    if (data.includes(0)) return { ok: true, value: { path: rel(ctx, path.value), size, binary: true }, untrusted };
    return {
      ok: true,
      value: { path: rel(ctx, path.value), size, truncated: size > data.length, content: data.toString("utf8") },
      untrusted,
    };
  },
});

const rel = (ctx: ToolContext, p: string) => relative(ctx.workspace, p) || ".";

/** The file and the folders on its way: their names came from the agent's own path, so listing them is trusted. */
function markWritten(ctx: ToolContext, path: string): void {
  for (let p = path; p !== ctx.workspace && p.startsWith(ctx.workspace); p = dirname(p)) ctx.written.add(p);
}

async function writeConfined(ctx: ToolContext, path: string, text: string, owner?: FileOwner): Promise<ToolOutput> {
  if (isSensitive(ctx.workspace, path))
    return fail("SENSITIVE_PATH", `${rel(ctx, path)} runs code or holds config on the host; it is read-only`);
  const dir = await ensureDir(ctx.workspace, parentOf(path), owner);
  if (!dir.ok) return { ok: false, error: dir.error };
  const fh = await openConfined(ctx.workspace, path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
  if (!fh.ok) return { ok: false, error: fh.error };
  try {
    if (!(await fh.value.stat()).isFile()) return fail("NOT_A_FILE", "not a regular file");
    if (owner) await fh.value.chown(owner.uid, owner.gid);
    const { bytesWritten } = await fh.value.write(text, 0, "utf8");
    return { ok: true, value: { path: rel(ctx, path), bytes: bytesWritten } };
  } finally {
    await fh.value.close();
  }
}

const writeSchema = z.lazy(() =>
  z.strictObject({
    path: pathArg,
    content: z.string().max(MAX_WRITE_BYTES).describe("The whole new content"),
  }),
);
export function writeFileTool(owner?: FileOwner): Tool<unknown> {
  return defineTool<z.infer<typeof writeSchema>>({
    name: "write_file",
    description: "Create or overwrite a file in the workspace.",
    schema: writeSchema,
    sideEffect: true,
    action: (a) => ({ tool: "write_file", path: a.path }),
    async run(a, ctx) {
      const path = decidedPath(ctx.workspace, ctx.decision.facts, "path");
      if (!path.ok) return { ok: false, error: path.error };
      if (Buffer.byteLength(a.content) > MAX_WRITE_BYTES) return fail("TOO_LARGE", "content is over 1 MiB");
      const out = await writeConfined(ctx, path.value, a.content, owner);
      if (out.ok) markWritten(ctx, path.value);
      return out;
    },
  });
}

const editSchema = z.lazy(() =>
  z.strictObject({
    path: pathArg,
    old: z.string().min(1).max(MAX_WRITE_BYTES).describe("Exact text to replace"),
    new: z.string().max(MAX_WRITE_BYTES).describe("Replacement"),
    all: z.boolean().optional().describe("Replace every occurrence (default: exactly one must exist)"),
  }),
);
export function editFileTool(owner?: FileOwner): Tool<unknown> {
  return defineTool<z.infer<typeof editSchema>>({
    name: "edit_file",
    description: "Replace exact text in a workspace file.",
    schema: editSchema,
    sideEffect: true,
    // Policy sees an edit as a write to that path (args.op lets a rule tell them apart).
    action: (a) => ({ tool: "write_file", path: a.path, args: { op: "edit_file" } }),
    async run(a, ctx) {
      const path = decidedPath(ctx.workspace, ctx.decision.facts, "path");
      if (!path.ok) return { ok: false, error: path.error };
      const r = await readCapped(ctx, path.value, MAX_WRITE_BYTES + 1);
      if (!r.ok) return { ok: false, error: r.error };
      if (r.value.size > MAX_WRITE_BYTES) return fail("TOO_LARGE", "file is over 1 MiB");
      const text = r.value.data.toString("utf8");
      const count = text.split(a.old).length - 1;
      if (count === 0) return fail("NOT_FOUND", "old text not found");
      if (count > 1 && !a.all) return fail("AMBIGUOUS", `old text found ${count} times; make it unique or set all`);
      const next = a.all ? text.split(a.old).join(a.new) : text.replace(a.old, () => a.new);
      if (Buffer.byteLength(next) > MAX_WRITE_BYTES) return fail("TOO_LARGE", "result is over 1 MiB");
      const out = await writeConfined(ctx, path.value, next, owner);
      return out.ok ? { ok: true, value: { path: rel(ctx, path.value), replaced: a.all ? count : 1 } } : out;
    },
  });
}
