// Checks a CommandSpec against the host and turns it into a BwrapPlan: real paths only, the workspace and grants
// refused when they are "/" or overlap Warden's own home, sensitive workspace files found. Reads the file system,
// never writes it and never spawns. Every refusal is SANDBOX_UNAVAILABLE with a fix: the command does not run.
import { lstat, realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { err, ok, type Result, WardenError } from "../errors.js";
import { SENSITIVE_WORKSPACE_PATHS } from "./profile.js";

const refuse = (message: string, fix: string, data?: Record<string, unknown>) =>
  err(new WardenError("SANDBOX_UNAVAILABLE", message, { fix, ...(data ? { data } : {}) }));

export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

const overlaps = (a: string, b: string) => isInside(a, b) || isInside(b, a);

async function real(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

export interface PlannedPaths {
  workspace: string;
  cwd: string;
  readOnlyInWorkspace: string[];
  grants: { path: string; write: boolean }[];
  proxySocket?: string;
}

export async function planPaths(input: {
  workspace: string;
  cwd?: string | undefined;
  paths?: readonly { path: string; write?: boolean | undefined }[] | undefined;
  writableSensitive?: readonly string[] | undefined;
  proxySocket?: string | undefined;
  forbidden: readonly string[];
}): Promise<Result<PlannedPaths, WardenError>> {
  const forbidden = (await Promise.all(input.forbidden.map(async (f) => (await real(f)) ?? resolve(f)))).filter(
    (f): f is string => f !== undefined,
  );
  const ws = await real(input.workspace);
  if (!ws || !(await stat(ws)).isDirectory())
    return refuse(
      `workspace ${input.workspace} is not an existing folder`,
      "create the folder or pass --workspace DIR",
    );
  if (ws === "/") return refuse("the workspace cannot be /", "pass a project folder as --workspace");
  for (const f of forbidden)
    if (overlaps(ws, f))
      return refuse(`workspace ${ws} overlaps Warden's own home ${f}`, "use a workspace outside Warden's home");

  const cwdAbs = resolve(ws, input.cwd ?? ".");
  const cwd = (await real(cwdAbs)) ?? cwdAbs;
  if (!isInside(cwd, ws)) return refuse(`cwd ${input.cwd} is outside the workspace`, "use a cwd inside the workspace");

  const granted = new Set(input.writableSensitive ?? []);
  const readOnlyInWorkspace: string[] = [];
  for (const rel of SENSITIVE_WORKSPACE_PATHS) {
    if (granted.has(rel)) continue;
    const p = resolve(ws, rel);
    try {
      const st = await lstat(p);
      // A symlink is left alone: inside the sandbox it can only point at what the sandbox already shows.
      if (!st.isSymbolicLink() && (await real(p)) === p) readOnlyInWorkspace.push(p);
    } catch {
      // absent: nothing to protect
    }
  }

  const grants: { path: string; write: boolean }[] = [];
  for (const g of input.paths ?? []) {
    const p = await real(g.path);
    if (!p) return refuse(`granted path ${g.path} does not exist`, "create it or remove the grant");
    if (p === "/") return refuse("granting / is refused", "grant a narrower path");
    for (const f of forbidden)
      if (overlaps(p, f)) return refuse(`granted path ${p} overlaps Warden's own home ${f}`, "remove the grant");
    grants.push({ path: p, write: g.write === true });
  }

  let proxySocket: string | undefined;
  if (input.proxySocket !== undefined) {
    const p = await real(input.proxySocket);
    const st = p ? await stat(p) : undefined;
    if (!p || !st?.isSocket())
      return refuse(
        `egress proxy socket ${input.proxySocket} not found`,
        "start the daemon (warden start) or use --net none",
      );
    proxySocket = p;
  }
  return ok({ workspace: ws, cwd, readOnlyInWorkspace, grants, ...(proxySocket ? { proxySocket } : {}) });
}
