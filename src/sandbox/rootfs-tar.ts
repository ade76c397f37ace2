// A tar archive (ustar) of an empty root: the top-level folders a container needs as mount points and the host's
// `/bin -> usr/bin` style symlinks, nothing else. The docker backend imports it as its only image (`docker import`),
// since docker has no --rootfs. Pure: bytes in memory, no file system.
import type { RootEntry } from "./profile.js";

/** Folders of the empty root: every one is a mount point the container fills (or leaves empty). */
export const ROOT_DIRS = ["dev", "etc", "proc", "run", "sys", "tmp", "usr", "var", "var/tmp"] as const;

function header(name: string, type: "5" | "2", linkname = ""): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, off: number, len: number) => {
    if (Buffer.byteLength(s) >= len) throw new Error(`tar field too long: ${s}`);
    h.write(s, off, len, "utf8");
  };
  put(name, 0, 100);
  put(type === "5" ? "0000755" : "0000777", 100, 8);
  put("0000000", 108, 8); // uid root
  put("0000000", 116, 8); // gid root
  put("00000000000", 124, 12); // size 0: folders and links carry no data
  put("00000000000", 136, 12); // mtime 0: the same bytes, so the same image id, on every host and run
  h.write(type, 156, 1, "latin1");
  put(linkname, 157, 100);
  h.write("ustar\u000000", 257, 8, "latin1");
  put("root", 265, 32);
  put("root", 297, 32);
  h.fill(" ", 148, 156); // the checksum counts its own field as spaces
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "latin1");
  return h;
}

/** The archive: ROOT_DIRS as folders, the host's root symlinks as links (real top-level folders become folders). */
export function emptyRootTar(rootEntries: readonly RootEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const d of ROOT_DIRS) parts.push(header(`${d}/`, "5"));
  for (const e of rootEntries) parts.push("symlink" in e ? header(e.name, "2", e.symlink) : header(`${e.name}/`, "5"));
  parts.push(Buffer.alloc(1024)); // end of archive: two zero blocks
  return Buffer.concat(parts);
}
