// Builds the sandbox's minimal /etc once per Sandbox: the allowlisted host files (world-readable only, symlinks
// kept as links) plus Warden's synthetic passwd/group/hosts, in one private folder bound read-only as /etc, with
// empty mount points for the few big folders bound from the host (ETC_BIND_DIRS). It never copies or binds what the
// sandbox user could not read on the host (so a root daemon never leaks /etc/ssl/private), and never writes outside
// its target folder.
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  type Stats,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { ETC_ALLOWLIST, ETC_BIND_DIRS, syntheticEtc } from "./profile.js";

const worldReadableDir = (st: Stats) => st.isDirectory() && (st.mode & 0o005) === 0o005;

// Modes are set explicitly: the daemon runs with umask 077, and bubblewrap (as the sandbox uid) must read all this.
function dir(path: string): void {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
}

function file(path: string, write: () => void): void {
  write();
  chmodSync(path, 0o644);
}

/** Copies one entry: a symlink as a link (inside it resolves to what the sandbox shows), files and folders only
 * when everyone may read them. */
function copyEntry(src: string, dst: string): void {
  const st = lstatSync(src, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
  else if (st.isFile() && (st.mode & 0o004) === 0o004) file(dst, () => copyFileSync(src, dst));
  else if (worldReadableDir(st)) {
    dir(dst);
    for (const name of readdirSync(src)) copyEntry(join(src, name), join(dst, name));
  }
}

/**
 * Writes the folder; returns the ETC_BIND_DIRS entries present on this host (to bind over their mount points).
 * Synchronous on purpose: it runs once per Sandbox (so once per `warden sandbox exec`), and ~25 small local files
 * copy several times faster without a thread-pool round trip per call.
 */
export function buildEtc(target: string, identity: { uid: number; gid: number }, hostEtc = "/etc"): string[] {
  dir(target);
  for (const name of ETC_ALLOWLIST) {
    dir(dirname(join(target, name)));
    copyEntry(join(hostEtc, name), join(target, name));
  }
  const binds: string[] = [];
  for (const name of ETC_BIND_DIRS) {
    const st = lstatSync(join(hostEtc, name), { throwIfNoEntry: false });
    if (!st || !worldReadableDir(st)) continue;
    dir(join(target, name));
    binds.push(name);
  }
  for (const [name, body] of Object.entries(syntheticEtc(identity.uid, identity.gid)))
    file(join(target, name), () => writeFileSync(join(target, name), body));
  return binds;
}
