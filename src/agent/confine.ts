// Host-side file access confined to the task workspace. Every open uses O_NOFOLLOW on the last component, and the
// opened descriptor's real path (/proc/self/fd) is checked to be inside the workspace, so neither a symlink nor a
// folder swapped between the policy check and the use can reach outside. Never follows a link out; never throws for
// an expected refusal (returns a ToolError for the model).
import { constants } from "node:fs";
import { chown, type FileHandle, lstat, mkdir, open, readlink } from "node:fs/promises";
import { dirname, relative, sep } from "node:path";
import { err, ok, type Result } from "../errors.js";
import { SENSITIVE_WORKSPACE_PATHS } from "../sandbox/index.js";
import type { ToolError } from "./tool.js";

export interface FileOwner {
  uid: number;
  gid: number;
}

/**
 * Workspace files that run code or hold config on the host later (git hooks, shell rc files): the sandbox mounts
 * them read-only, so host-side tools must not write them either. The sandbox's own list, so the two never disagree.
 */
export const SENSITIVE_PATHS = SENSITIVE_WORKSPACE_PATHS;

const refuse = (code: string, reason: string): Result<never, ToolError> => err({ code, reason });

export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

export function isSensitive(root: string, path: string): boolean {
  const rel = relative(root, path);
  return SENSITIVE_PATHS.some((s) => rel === s || rel.startsWith(`${s}/`));
}

/** The real path of an open descriptor, as the kernel sees it now. */
async function fdPath(fh: FileHandle): Promise<string | null> {
  return readlink(`/proc/self/fd/${fh.fd}`).catch(() => null);
}

/** The real path the policy decided on, if it is a string inside the workspace. */
export function decidedPath(
  root: string,
  facts: Record<string, unknown>,
  key: "path" | "cwd",
): Result<string, ToolError> {
  const p = facts[key];
  if (typeof p !== "string") return refuse("BAD_REQUEST", `the policy decision carries no ${key}`);
  if (!isInside(root, p)) return refuse("OUTSIDE_WORKSPACE", `${p} is outside the task workspace`);
  return ok(p);
}

/** Open a path inside the workspace without following a link out of it. */
export async function openConfined(
  root: string,
  path: string,
  flags: number,
  mode = 0o600,
): Promise<Result<FileHandle, ToolError>> {
  if (!isInside(root, path)) return refuse("OUTSIDE_WORKSPACE", `${path} is outside the task workspace`);
  let fh: FileHandle;
  try {
    // O_NONBLOCK: a FIFO planted in the workspace must not hang the daemon (no effect on regular files).
    fh = await open(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return refuse("SYMLINK_REFUSED", `${relative(root, path)} is a symbolic link`);
    if (code === "ENOENT") return refuse("NOT_FOUND", `${relative(root, path)} does not exist`);
    if (code === "EISDIR") return refuse("IS_A_DIRECTORY", `${relative(root, path)} is a folder`);
    if (code === "ENOTDIR") return refuse("NOT_A_DIRECTORY", `${relative(root, path)} is not a folder`);
    return refuse("IO_ERROR", `cannot open ${relative(root, path)} (${code ?? "error"})`);
  }
  const real = await fdPath(fh);
  if (real === null || !isInside(root, real)) {
    await fh.close();
    return refuse("OUTSIDE_WORKSPACE", `${relative(root, path)} leads outside the task workspace`);
  }
  return ok(fh);
}

/** Create the missing folders from the workspace down to `dir`, refusing any link or non-folder on the way. */
export async function ensureDir(root: string, dir: string, owner?: FileOwner): Promise<Result<true, ToolError>> {
  if (!isInside(root, dir)) return refuse("OUTSIDE_WORKSPACE", `${dir} is outside the task workspace`);
  let at = root;
  for (const part of relative(root, dir)
    .split(sep)
    .filter((p) => p !== "")) {
    at = `${at}${sep}${part}`;
    const st = await lstat(at).catch(() => null);
    if (st === null) {
      try {
        await mkdir(at, { mode: 0o700 });
        if (owner) await chown(at, owner.uid, owner.gid);
      } catch {
        return refuse("IO_ERROR", `cannot create the folder ${relative(root, at)}`);
      }
    } else if (st.isSymbolicLink()) return refuse("SYMLINK_REFUSED", `${relative(root, at)} is a symbolic link`);
    else if (!st.isDirectory()) return refuse("NOT_A_DIRECTORY", `${relative(root, at)} is not a folder`);
  }
  return ok(true);
}

export const parentOf = dirname;
