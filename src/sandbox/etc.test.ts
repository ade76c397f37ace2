// buildEtc: only world-readable allowlisted host files reach the sandbox /etc, with modes that survive umask 077.
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { buildEtc } from "./etc.js";

describe("buildEtc", () => {
  it("copies only world-readable allowlisted entries, keeps symlinks, and writes the synthetic files", async () => {
    await using dir = await tempDir();
    const host = join(dir.path, "host-etc");
    await mkdir(join(host, "ssl", "private"), { recursive: true });
    await mkdir(join(host, "ssl", "certs"), { recursive: true });
    await mkdir(join(host, "ld.so.conf.d"), { recursive: true });
    await writeFile(join(host, "ld.so.cache"), "cache");
    await writeFile(join(host, "ld.so.conf.d", "libc.conf"), "/usr/local/lib");
    await writeFile(join(host, "ld.so.conf.d", "secret.conf"), "hidden");
    await chmod(join(host, "ld.so.conf.d", "secret.conf"), 0o600);
    await writeFile(join(host, "ssl", "openssl.cnf"), "cnf");
    await writeFile(join(host, "shadow"), "root:$6$hash");
    await symlink("/usr/share/zoneinfo/Etc/UTC", join(host, "localtime"));
    await chmod(join(host, "ssl", "private"), 0o700);
    const out = join(dir.path, "etc");
    const umask = process.umask(0o077); // the daemon's umask: modes must still let the sandbox user read /etc
    let binds: string[];
    try {
      binds = buildEtc(out, { uid: 1234, gid: 1234 }, host);
    } finally {
      process.umask(umask);
    }
    expect(statSync(join(out, "ssl")).mode & 0o777).toBe(0o755);
    expect(statSync(join(out, "passwd")).mode & 0o777).toBe(0o644);
    expect(statSync(join(out, "ld.so.cache")).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(out, "ld.so.cache"), "utf8")).toBe("cache");
    expect(readFileSync(join(out, "ld.so.conf.d", "libc.conf"), "utf8")).toBe("/usr/local/lib");
    expect(existsSync(join(out, "ld.so.conf.d", "secret.conf"))).toBe(false);
    expect(readFileSync(join(out, "ssl", "openssl.cnf"), "utf8")).toBe("cnf");
    expect(existsSync(join(out, "ssl", "private"))).toBe(false);
    expect(existsSync(join(out, "shadow"))).toBe(false);
    expect(lstatSync(join(out, "localtime")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(out, "localtime"))).toBe("/usr/share/zoneinfo/Etc/UTC");
    expect(readFileSync(join(out, "passwd"), "utf8")).toContain("sandbox:x:1234:1234:");
    expect(binds).toEqual(["ssl/certs"]); // alternatives is absent from this host folder
    expect(lstatSync(join(out, "ssl", "certs")).isDirectory()).toBe(true);
  });
});
