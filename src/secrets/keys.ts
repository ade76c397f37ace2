// Where the secret store's 256-bit key lives: the OS keyring through libsecret's `secret-tool` when it works, else a
// key file readable only by the owner. Commands run through an injected runner (tests pass a fake keyring). This file
// never logs, prints or returns the key to anyone but the store.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { WardenError } from "../errors.js";

export type KeyKind = "keyring" | "file";

/** Contract: `load` returns undefined when no key exists yet and throws SECRET_STORE_FAILED when one is unusable. */
export interface KeySource {
  readonly kind: KeyKind;
  load(): Promise<Buffer | undefined>;
  /** Create and persist a new key; fails if one exists. */
  create(): Promise<Buffer>;
}

export interface CommandResult {
  /** undefined when the program is not installed. */
  readonly code: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** The program did not finish in time and was killed (a keyring waiting on an unlock prompt nobody answers). */
  readonly timedOut?: boolean;
}

export type CommandRunner = (command: string, args: readonly string[], input?: string) => Promise<CommandResult>;

export const KEY_BYTES = 32;
const KEY_FILE = "secrets.key";
/** How long a keyring command may take; an unlock prompt on a desktop would otherwise block forever. */
export const KEYRING_TIMEOUT_MS = 10_000;

/** A runner over child_process with an explicit environment (the keyring needs the session bus address). */
export function spawnRunner(
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = KEYRING_TIMEOUT_MS,
): CommandRunner {
  return (command, args, input) =>
    new Promise((resolve) => {
      const child = spawn(command, args, { env: { ...env }, stdio: ["pipe", "pipe", "pipe"] });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString("utf8");
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString("utf8");
      });
      child.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ code: e.code === "ENOENT" ? undefined : 127, stdout, stderr: String(e) });
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 128, stdout, stderr, ...(timedOut ? { timedOut } : {}) });
      });
      child.stdin.on("error", () => {
        // The program may exit before reading its input; the exit code tells what happened.
      });
      child.stdin.end(input ?? "");
    });
}

/** The key file in Warden's home, created 0600; refused if anyone but the owner can read or write it. */
export function keyFileSource(home: string): KeySource {
  const path = join(home, KEY_FILE);
  return {
    kind: "file",
    async load() {
      let info: Awaited<ReturnType<typeof stat>>;
      try {
        info = await stat(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw storeFailed(`cannot read the key file ${path}`, e);
      }
      if ((info.mode & 0o077) !== 0 || (process.getuid !== undefined && info.uid !== process.getuid())) {
        throw new WardenError("SECRET_STORE_FAILED", `the key file ${path} is accessible to others`, {
          file: path,
          fix: `chmod 600 ${path} (and check who else could have read it)`,
        });
      }
      const key = Buffer.from((await readFile(path, "utf8")).trim(), "base64");
      if (key.length !== KEY_BYTES) throw storeFailed(`the key file ${path} is not a ${KEY_BYTES}-byte key`);
      return key;
    },
    async create() {
      const key = randomBytes(KEY_BYTES);
      const handle = await open(path, "wx", 0o600).catch((e: unknown) => {
        throw storeFailed(`cannot create the key file ${path}`, e);
      });
      try {
        await handle.writeFile(`${key.toString("base64")}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return key;
    },
  };
}

const UNLOCK_FIX =
  "unlock the keyring (log in to the desktop session, or `gnome-keyring-daemon --unlock` in this session), then try again";

/** The OS keyring through `secret-tool`, one entry per Warden home. The key goes in on stdin, never in argv. */
export function keyringSource(home: string, run: CommandRunner): KeySource {
  const attributes = ["service", "warden", "store", home];
  const refused = (what: string, r: CommandResult): WardenError => {
    if (r.code === undefined)
      return storeFailed(
        "secret-tool is not installed, and this store's key is in the keyring",
        undefined,
        "apt-get install libsecret-tools",
      );
    if (r.timedOut)
      return storeFailed(
        `the keyring did not answer the ${what} within ${KEYRING_TIMEOUT_MS / 1000} s (locked, waiting on an unlock prompt?)`,
        undefined,
        UNLOCK_FIX,
      );
    // secret-tool's own message (never the secret: it is on stdout, or was on stdin).
    const said = r.stderr.trim().split("\n")[0]?.slice(0, 200) ?? "";
    return storeFailed(
      `the keyring refused the ${what} (exit ${r.code}${said ? `: ${said}` : ""})`,
      undefined,
      /bus|display|autolaunch/i.test(said)
        ? "run Warden inside your desktop session (a D-Bus session bus with a Secret Service), or set secrets.keySource: file for a new store"
        : UNLOCK_FIX,
    );
  };
  return {
    kind: "keyring",
    async load() {
      const r = await run("secret-tool", ["lookup", ...attributes]);
      if (r.code !== 0 || r.timedOut) {
        if (r.code !== 1 || r.timedOut || r.stderr.trim() !== "") throw refused("lookup", r);
        // Exit 1 and no message means "no such entry" or "entry in a locked collection" (measured with GNOME
        // Keyring): a search lists locked entries, so it tells the two apart. Locked must never read as missing.
        const search = await run("secret-tool", ["search", ...attributes]);
        if (search.timedOut) throw refused("search", search);
        if (search.code === 0 && search.stdout.trim() !== "")
          throw storeFailed("the keyring holding this store's key is locked", undefined, UNLOCK_FIX);
        return undefined;
      }
      const key = Buffer.from(r.stdout.trim(), "base64");
      if (key.length !== KEY_BYTES) throw storeFailed("the keyring entry is not a Warden key");
      return key;
    },
    async create() {
      const key = randomBytes(KEY_BYTES);
      const r = await run(
        "secret-tool",
        ["store", "--label=Warden secret store key", ...attributes],
        key.toString("base64"),
      );
      if (r.code !== 0 || r.timedOut) throw refused("store", r);
      return key;
    },
  };
}

/**
 * The key source for a new store: the keyring if `secret-tool` is installed and answers a lookup without an error (a
 * session bus is there), else the key file. If the keyring then refuses to store (a locked collection), the store
 * falls back to the key file. An existing store always reopens with the kind recorded in it. Never waits more than
 * the runner's timeout: a keyring that does not answer counts as absent.
 */
export async function detectKeyKind(home: string, run: CommandRunner): Promise<KeyKind> {
  const probe = await run("secret-tool", ["lookup", "service", "warden", "probe", home]);
  if (probe.code === undefined || probe.timedOut) return "file";
  if (probe.code !== 0 && probe.stderr.trim() !== "") return "file";
  return "keyring";
}

export function storeFailed(
  message: string,
  cause?: unknown,
  fix = "check the permissions of Warden's home",
): WardenError {
  return new WardenError("SECRET_STORE_FAILED", message, { fix }, cause === undefined ? undefined : { cause });
}
