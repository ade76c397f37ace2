// The store's key in a real OS keyring: a private D-Bus session bus and GNOME Keyring (unlocked with a password on
// stdin, no desktop), driven through the real `secret-tool`. Runs where libsecret-tools, gnome-keyring and dbus are
// installed (`apt-get install libsecret-tools gnome-keyring dbus`); skipped with the reason printed elsewhere.
// Covers: the key goes to the keyring (no key file), a reopened store reads it, a locked keyring is an error that says
// so (never "missing", never a new empty store), a locked collection on a new store falls back to the key file, no
// bus at all means the key file, and nothing waits forever.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp.js";
import { isWardenError } from "../errors.js";
import { type CommandRunner, keyringSource, spawnRunner } from "./keys.js";
import { fileSecretStore, STORE_FILE } from "./store.js";

const TOOLS = ["/usr/bin/secret-tool", "/usr/bin/gnome-keyring-daemon", "/usr/bin/dbus-daemon", "/usr/bin/gdbus"];
const missing = TOOLS.filter((t) => !existsSync(t));
if (missing.length > 0) console.log(`keyring integration skipped: ${missing.join(", ")} not installed`);

const VALUE = "ghp_keyringIntegration0123456789abcdefAB";

describe.skipIf(missing.length > 0)("the store's key in a real GNOME Keyring on a private session bus", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let bus: ChildProcess;
  let env: Record<string, string>;
  let run: CommandRunner;

  beforeAll(async () => {
    dir = await tempDir("warden-keyring-");
    // A bus of our own (killed in afterAll; the keyring daemon exits with it), never the user's session.
    bus = spawn(
      "/usr/bin/dbus-daemon",
      ["--session", "--nofork", "--print-address=1", `--address=unix:path=${join(dir.path, "bus")}`],
      { stdio: ["ignore", "pipe", "ignore"], env: { PATH: "/usr/bin:/bin", HOME: dir.path } },
    );
    const address = await new Promise<string>((resolve, reject) => {
      bus.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim()));
      bus.once("exit", () => reject(new Error("dbus-daemon exited")));
    });
    env = { PATH: "/usr/bin:/bin", HOME: dir.path, DBUS_SESSION_BUS_ADDRESS: address };
    run = spawnRunner(env);
    const unlocked = await run("/usr/bin/gnome-keyring-daemon", ["--unlock", "--components=secrets"], "test-pw");
    expect(unlocked.code).toBe(0);
  });
  afterAll(async () => {
    if (bus && bus.exitCode === null) {
      const gone = new Promise((r) => bus.once("exit", r));
      bus.kill("SIGTERM");
      await gone;
    }
    await dir?.[Symbol.asyncDispose]();
  });

  const lock = () =>
    run("/usr/bin/gdbus", [
      "call",
      "--session",
      "--dest",
      "org.freedesktop.secrets",
      "--object-path",
      "/org/freedesktop/secrets",
      "--method",
      "org.freedesktop.Secret.Service.Lock",
      "['/org/freedesktop/secrets/collection/login']",
    ]);

  it("keeps the key in the keyring, none on disk, and a reopened store reads it", async () => {
    const home = join(dir.path, "home-a");
    await mkdir(home, { mode: 0o700 });
    const store = fileSecretStore({ home, run });
    await store.set("GITHUB_TOKEN", VALUE);
    const header = JSON.parse(readFileSync(join(home, STORE_FILE), "utf8")) as { key: string };
    expect(header.key).toBe("keyring");
    expect(existsSync(join(home, "secrets.key"))).toBe(false);
    expect(readFileSync(join(home, STORE_FILE), "utf8")).not.toContain(VALUE);
    const entry = await run("/usr/bin/secret-tool", ["lookup", "service", "warden", "store", home]);
    expect(Buffer.from(entry.stdout.trim(), "base64")).toHaveLength(32);
    expect(await fileSecretStore({ home, run }).get("GITHUB_TOKEN")).toBe(VALUE);
  });

  it("a locked keyring is an error that says locked, with a fix, and writes nothing", async () => {
    const home = join(dir.path, "home-b");
    await mkdir(home, { mode: 0o700 });
    await fileSecretStore({ home, run }).set("A_TOKEN", VALUE);
    const before = readFileSync(join(home, STORE_FILE), "utf8");
    // Locking is one-way here (unlocking through the Secret Service needs a prompt): this test runs last on the bus.
    expect((await lock()).code).toBe(0);
    const e = await fileSecretStore({ home, run })
      .get("A_TOKEN")
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    expect(isWardenError(e) && e.code).toBe("SECRET_STORE_FAILED");
    expect(isWardenError(e) && e.message).toContain("locked");
    expect(isWardenError(e) && e.details.fix).toContain("unlock");
    const write = await fileSecretStore({ home, run })
      .set("B_TOKEN", "other")
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    expect(isWardenError(write) && write.message).toContain("locked");
    expect(readFileSync(join(home, STORE_FILE), "utf8")).toBe(before);

    // A new store while the collection is locked: the keyring refuses to store, the key file takes over.
    const fresh = join(dir.path, "home-c");
    await mkdir(fresh, { mode: 0o700 });
    await fileSecretStore({ home: fresh, run }).set("C_TOKEN", VALUE);
    expect(JSON.parse(readFileSync(join(fresh, STORE_FILE), "utf8")).key).toBe("file");
    expect(existsSync(join(fresh, "secrets.key"))).toBe(true);
  });

  it("without a session bus the key goes to a key file, at once", async () => {
    const home = join(dir.path, "home-d");
    await mkdir(home, { mode: 0o700 });
    await fileSecretStore({ home, run: spawnRunner({ PATH: "/usr/bin:/bin", HOME: dir.path }) }).set("D", VALUE);
    expect(JSON.parse(readFileSync(join(home, STORE_FILE), "utf8")).key).toBe("file");
  });
});

describe("a keyring that never answers (an unlock prompt nobody sees)", () => {
  it("spawnRunner kills the command at its timeout", async () => {
    const r = await spawnRunner({ PATH: "/usr/bin:/bin" }, 200)("sleep", ["30"]);
    expect(r.timedOut).toBe(true);
  });

  it("a store whose key is in the keyring fails with a clear error instead of waiting", async () => {
    const hung: CommandRunner = async () => ({ code: 137, stdout: "", stderr: "", timedOut: true });
    const e = await keyringSource("/nowhere", hung)
      .load()
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    expect(isWardenError(e) && e.message).toMatch(/did not answer the lookup within 10 s/);
    expect(isWardenError(e) && e.details.fix).toContain("unlock");
  });
});
