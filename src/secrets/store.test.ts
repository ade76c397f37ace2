// The encrypted store: one contract for every implementation, then what is on disk, keys, tampering and locking.
import { readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { isWardenError } from "../errors.js";
import { type CommandRunner, spawnRunner } from "./keys.js";
import { withFileLock } from "./lock.js";
import { memorySecretStore } from "./memory.js";
import { fileSecretStore, type SecretStore, STORE_FILE } from "./store.js";

const VALUE = "ghp_thisIsTheSecretValue0123456789abcdef";

/** A runner on which `secret-tool` is not installed. */
const noKeyring: CommandRunner = async () => ({ code: undefined, stdout: "", stderr: "" });

/** A fake libsecret: `lookup` and `store` on an in-memory map keyed by the attributes. */
function fakeKeyring(options: { refuseStore?: boolean } = {}) {
  const entries = new Map<string, string>();
  const calls: { args: readonly string[]; input: string | undefined }[] = [];
  const run: CommandRunner = async (command, args, input) => {
    calls.push({ args, input });
    if (command !== "secret-tool") return { code: undefined, stdout: "", stderr: "" };
    const [verb, ...rest] = args;
    const attrs = rest.filter((a) => !a.startsWith("--")).join("\u0000");
    if (verb === "lookup") {
      const v = entries.get(attrs);
      return v === undefined ? { code: 1, stdout: "", stderr: "" } : { code: 0, stdout: v, stderr: "" };
    }
    if (verb === "store" && !options.refuseStore) {
      entries.set(attrs, input ?? "");
      return { code: 0, stdout: "", stderr: "" };
    }
    return { code: 1, stdout: "", stderr: "Cannot create an item in a locked collection" };
  };
  return { run, entries, calls };
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isWardenError(e) && e.code).toBe(code);
}

function contract(label: string, make: (home: string) => SecretStore) {
  describe(`SecretStore contract: ${label}`, () => {
    it("sets, lists (names only), gets host side, removes", async () => {
      await using dir = await tempDir();
      const store = make(dir.path);
      await store.set("GITHUB_TOKEN", VALUE);
      await store.set("OTHER", "second-value");
      const listed = await store.list();
      expect(listed.map((s) => s.name)).toEqual(["GITHUB_TOKEN", "OTHER"]);
      expect(JSON.stringify(listed)).not.toContain(VALUE);
      expect(await store.get("GITHUB_TOKEN")).toBe(VALUE);
      expect(await store.values()).toEqual(
        new Map([
          ["GITHUB_TOKEN", VALUE],
          ["OTHER", "second-value"],
        ]),
      );
      expect(await store.remove("OTHER")).toBe(true);
      expect(await store.remove("OTHER")).toBe(false);
      expect(await store.get("OTHER")).toBeUndefined();
    });

    it("refuses bad names and empty values", async () => {
      await using dir = await tempDir();
      const store = make(dir.path);
      await expectCode(store.set("lower", "x-value"), "USAGE");
      await expectCode(store.set("A B", "x-value"), "USAGE");
      await expectCode(store.set("OK", ""), "USAGE");
    });
  });
}

contract("file store, key file", (home) => fileSecretStore({ home, run: noKeyring }));
contract("file store, keyring", (home) => fileSecretStore({ home, run: fakeKeyring().run }));
contract("memory", () => memorySecretStore());

describe("fileSecretStore at rest", () => {
  it("encrypts the file and keeps the key in a 0600 key file when there is no keyring", async () => {
    await using dir = await tempDir();
    const store = fileSecretStore({ home: dir.path, run: noKeyring });
    await store.set("GITHUB_TOKEN", VALUE);
    const raw = readFileSync(join(dir.path, STORE_FILE), "utf8");
    expect(raw).not.toContain(VALUE);
    expect(raw).not.toContain(Buffer.from(VALUE).toString("base64").slice(0, 20));
    expect(JSON.parse(raw).key).toBe("file");
    expect(statSync(join(dir.path, STORE_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir.path, "secrets.key")).mode & 0o777).toBe(0o600);
    // A second instance (the daemon, after the CLI wrote) reads the same value.
    expect(await fileSecretStore({ home: dir.path, run: noKeyring }).get("GITHUB_TOKEN")).toBe(VALUE);
  });

  it("keeps the key in the keyring when it works: no key file, key passed on stdin not argv", async () => {
    await using dir = await tempDir();
    const keyring = fakeKeyring();
    const store = fileSecretStore({ home: dir.path, run: keyring.run });
    await store.set("GITHUB_TOKEN", VALUE);
    expect(JSON.parse(readFileSync(join(dir.path, STORE_FILE), "utf8")).key).toBe("keyring");
    expect(() => statSync(join(dir.path, "secrets.key"))).toThrow();
    const stored = keyring.calls.find((c) => c.args[0] === "store");
    expect(stored?.input).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(stored?.args.join(" ")).not.toContain(stored?.input ?? "-");
    // Losing the keyring entry is an error, never a silently empty store.
    keyring.entries.clear();
    await expectCode(fileSecretStore({ home: dir.path, run: keyring.run }).list(), "SECRET_STORE_FAILED");
  });

  it("falls back to the key file when the keyring refuses to store", async () => {
    await using dir = await tempDir();
    const store = fileSecretStore({ home: dir.path, run: fakeKeyring({ refuseStore: true }).run });
    await store.set("A_TOKEN", VALUE);
    expect(JSON.parse(readFileSync(join(dir.path, STORE_FILE), "utf8")).key).toBe("file");
    expect(await store.get("A_TOKEN")).toBe(VALUE);
  });

  it("refuses a tampered file, a wrong key and a key file readable by others", async () => {
    await using dir = await tempDir();
    const store = fileSecretStore({ home: dir.path, run: noKeyring });
    await store.set("A_TOKEN", VALUE);
    const path = join(dir.path, STORE_FILE);
    const header = JSON.parse(readFileSync(path, "utf8"));
    const data = Buffer.from(header.data, "base64");
    data[0] = data[0]! ^ 1;
    writeFileSync(path, JSON.stringify({ ...header, data: data.toString("base64") }));
    await expectCode(store.get("A_TOKEN"), "SECRET_STORE_FAILED");
    // Claiming the other key kind changes the associated data: refused too.
    writeFileSync(path, JSON.stringify({ ...header, key: "keyring" }));
    await expectCode(fileSecretStore({ home: dir.path, run: fakeKeyring().run }).get("A_TOKEN"), "SECRET_STORE_FAILED");
    writeFileSync(path, JSON.stringify(header));
    expect(await store.get("A_TOKEN")).toBe(VALUE);
    await chmod(join(dir.path, "secrets.key"), 0o644);
    await expectCode(fileSecretStore({ home: dir.path, run: noKeyring }).get("A_TOKEN"), "SECRET_STORE_FAILED");
    writeFileSync(path, "not json");
    await expectCode(store.list(), "SECRET_STORE_FAILED");
  });
});

describe("spawnRunner", () => {
  it("reports a missing program as code undefined and passes input on stdin", async () => {
    const run = spawnRunner({ PATH: process.env.PATH });
    expect((await run("warden-no-such-program", [])).code).toBeUndefined();
    expect(await run("sh", ["-c", "cat; exit 3"], "on stdin")).toEqual({ code: 3, stdout: "on stdin", stderr: "" });
  });
});

describe("concurrent writers", () => {
  it("loses no update when many sets race on one store", async () => {
    await using dir = await tempDir();
    const stores = [0, 1, 2].map(() => fileSecretStore({ home: dir.path, run: noKeyring }));
    await stores[0]!.set("FIRST", "first-value");
    await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.set(`S_${i}`, `value-${i}`)));
    expect((await stores[1]!.list()).length).toBe(13);
    expect(() => statSync(join(dir.path, `${STORE_FILE}.lock`))).toThrow();
  });

  it("takes over a stale lock and times out on a live one", async () => {
    await using dir = await tempDir();
    const lock = join(dir.path, "x.lock");
    writeFileSync(lock, "12345");
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(await withFileLock(lock, async () => "ran")).toBe("ran");
    writeFileSync(lock, "12345");
    await expectCode(
      withFileLock(lock, async () => "ran", { waitMs: 50 }),
      "SECRET_STORE_FAILED",
    );
  });
});
