// Checks a CommandSpec against the host and turns it into a BwrapPlan: real paths only, the workspace and grants
// refused when they are "/" or overlap Warden's own home, sensitive workspace files found. Reads the file system,
// never writes it and never spawns. Every refusal is SANDBOX_UNAVAILABLE with a fix: the command does not run.
import { lstatSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { err, ok, type Result, WardenError } from "../errors.js";
import { SENSITIVE_PARENTS, SENSITIVE_WORKSPACE_PATHS } from "./profile.js";

const refuse = (message: string, fix: string, data?: Record<string, unknown>) =>
  err(new WardenError("SANDBOX_UNAVAILABLE", message, { fix, ...(data ? { data } : {}) }));

export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

const overlaps = (a: string, b: string) => isInside(a, b) || isInside(b, a);

// Synchronous on purpose: these are a dozen local metadata calls per command (tens of microseconds in total), while
// each async call costs a thread-pool round trip and the whole check sits on the latency of every sandboxed command.
// The C library's realpath(3) (`.native`): Node's JavaScript version lstats every component from JavaScript, about
// four times slower on the path of every command, for the same answer on Linux.
function real(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

export interface PlannedPaths {
  workspace: string;
  cwd: string;
  readOnlyInWorkspace: string[];
  /** Folders holding sensitive paths, bound read-write onto themselves so they cannot be renamed away. */
  pinnedInWorkspace: string[];
  /** Sensitive workspace paths (relative) that did not exist before the command: checked again after it. */
  absentSensitive: string[];
  grants: { path: string; write: boolean }[];
  proxySocket?: string;
}

/**
 * A host path no sandbox may see or be granted: a path, or Warden's home with the folder inside it where task
 * workspaces live (`workspaces`): a workspace strictly inside that folder is allowed, nothing else that overlaps the
 * home is. Only the workspace itself is mounted, so the rest of the home stays invisible either way.
 */
export type ForbiddenPath = string | { readonly path: string; readonly workspaces: string };

export async function planPaths(input: {
  workspace: string;
  cwd?: string | undefined;
  paths?: readonly { path: string; write?: boolean | undefined }[] | undefined;
  writableSensitive?: readonly string[] | undefined;
  proxySocket?: string | undefined;
  forbidden: readonly ForbiddenPath[];
}): Promise<Result<PlannedPaths, WardenError>> {
  const canonical = (p: string) => real(p) ?? resolve(p);
  const entries = input.forbidden.map((f) =>
    typeof f === "string"
      ? { path: canonical(f), workspaces: undefined }
      : { path: canonical(f.path), workspaces: canonical(f.workspaces) },
  );
  const forbidden = entries.map((e) => e.path);
  const ws = real(input.workspace);
  if (!ws || !statSync(ws).isDirectory())
    return refuse(
      `workspace ${input.workspace} is not an existing folder`,
      "create the folder or pass --workspace DIR",
    );
  if (ws === "/") return refuse("the workspace cannot be /", "pass a project folder as --workspace");
  for (const f of entries) {
    const taskWorkspace = f.workspaces !== undefined && ws !== f.workspaces && isInside(ws, f.workspaces);
    if (overlaps(ws, f.path) && !taskWorkspace)
      return refuse(`workspace ${ws} overlaps Warden's own home ${f.path}`, "use a workspace outside Warden's home");
  }

  const cwdAbs = resolve(ws, input.cwd ?? ".");
  const cwd = real(cwdAbs) ?? cwdAbs;
  if (!isInside(cwd, ws)) return refuse(`cwd ${input.cwd} is outside the workspace`, "use a cwd inside the workspace");

  const granted = new Set(input.writableSensitive ?? []);
  const absentSensitive: string[] = [];
  const sensitive = SENSITIVE_WORKSPACE_PATHS.filter((rel) => !granted.has(rel)).map((rel) => {
    const p = resolve(ws, rel);
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) absentSensitive.push(rel);
    // Absent: nothing to protect. A symlink is left alone: inside the sandbox it only reaches what the sandbox shows.
    return st && !st.isSymbolicLink() && real(p) === p ? p : undefined;
  });
  const readOnlyInWorkspace = sensitive.filter((p): p is string => p !== undefined);
  // A read-only mount inside .git does not stop `mv .git .git-old && mkdir .git && write .git/config`: renaming the
  // parent takes the mounts with it. A mount point cannot be renamed, so .git itself becomes one (still writable, so
  // commits work); the workspace root is already one, which pins the top-level files.
  const pinnedInWorkspace = SENSITIVE_PARENTS.map((rel) => resolve(ws, rel)).filter((p) => {
    const st = lstatSync(p, { throwIfNoEntry: false });
    return st?.isDirectory() === true && real(p) === p;
  });

  const grants: { path: string; write: boolean }[] = [];
  for (const g of input.paths ?? []) {
    const p = real(g.path);
    if (!p) return refuse(`granted path ${g.path} does not exist`, "create it or remove the grant");
    if (p === "/") return refuse("granting / is refused", "grant a narrower path");
    for (const f of forbidden)
      if (overlaps(p, f)) return refuse(`granted path ${p} overlaps Warden's own home ${f}`, "remove the grant");
    grants.push({ path: p, write: g.write === true });
  }

  let proxySocket: string | undefined;
  if (input.proxySocket !== undefined) {
    const p = real(input.proxySocket);
    const st = p ? statSync(p) : undefined;
    if (!p || !st?.isSocket())
      return refuse(
        `egress proxy socket ${input.proxySocket} not found`,
        "start the daemon (warden start) or use --net none",
      );
    proxySocket = p;
  }
  return ok({
    workspace: ws,
    cwd,
    readOnlyInWorkspace,
    pinnedInWorkspace,
    absentSensitive,
    grants,
    ...(proxySocket ? { proxySocket } : {}),
  });
}

/**
 * Which of the sensitive paths that were absent before the command exist now. A path that does not exist cannot be
 * mounted read-only beforehand (bubblewrap would create it on the host), so its creation is reported instead.
 */
export function createdSensitive(workspace: string, absent: readonly string[]): string[] {
  return absent.filter((rel) => lstatSync(resolve(workspace, rel), { throwIfNoEntry: false }) !== undefined);
}
