// Task workspace folders: one fresh folder per task under a root. When Warden runs as root the folder is created
// owned by the sandbox's uid/gid (docs/sandbox.md "Identity"), so the sandboxed command can write it.
// Never chowns or chmods a folder it did not just create, and never reuses an existing folder.
import { chmod, chown, mkdir, realpath } from "node:fs/promises";
import { join } from "node:path";

export interface WorkspaceOwner {
  uid: number;
  gid: number;
}

export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Create `<root>/<id>` (mode 0700) and return its real path. A missing root is created 0700, or 0711 with an owner
 * (the sandbox uid must traverse it to reach its workspace, without being able to list it). Every folder above the
 * root must be traversable by that uid too; the sandbox fails closed, naming the uid, when it is not.
 */
export async function createWorkspace(root: string, id: string, owner?: WorkspaceOwner): Promise<string> {
  if (!TASK_ID_PATTERN.test(id)) throw new Error(`task id not usable as a folder name: ${id}`);
  const made = await mkdir(root, { recursive: true, mode: 0o700 });
  if (made !== undefined && owner) await chmod(root, 0o711); // explicit: the daemon's umask 077 would mask it
  const dir = join(await realpath(root), id);
  await mkdir(dir, { mode: 0o700 }); // throws EEXIST: a workspace is never shared by two tasks
  if (owner) await chown(dir, owner.uid, owner.gid);
  return dir;
}
