// Builds the sandbox's minimal /etc once per Sandbox: the allowlisted host entries (world-readable only, symlinks
// kept as links) plus Warden's synthetic passwd/group/hosts, in one private folder bound read-only as /etc. One
// bind instead of ~25 keeps each sandbox start cheap. It never copies a file the sandbox user could not read on the
// host (so a root daemon never leaks /etc/ssl/private), and never writes outside its target folder.
import { cp, lstat, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ETC_ALLOWLIST, syntheticEtc } from "./profile.js";

async function worldReadable(path: string): Promise<boolean> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return true; // copied as a link: inside the sandbox it resolves to what the sandbox shows
  if (st.isDirectory()) return (st.mode & 0o005) === 0o005;
  return st.isFile() && (st.mode & 0o004) === 0o004;
}

export async function buildEtc(target: string, identity: { uid: number; gid: number }, hostEtc = "/etc") {
  await mkdir(target, { mode: 0o755 });
  for (const name of ETC_ALLOWLIST) {
    const src = join(hostEtc, name);
    try {
      if (!(await worldReadable(src))) continue;
    } catch {
      continue; // not on this host
    }
    await cp(src, join(target, name), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (s) => worldReadable(s).catch(() => false),
    });
  }
  for (const [name, body] of Object.entries(syntheticEtc(identity.uid, identity.gid)))
    await writeFile(join(target, name), body, { mode: 0o644 });
}
