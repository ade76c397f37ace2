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
}

export type CommandRunner = (command: string, args: readonly string[], input?: string) => Promise<CommandResult>;

export const KEY_BYTES = 32;
const KEY_FILE = "secrets.key";

/** A runner over child_process with an explicit environment (the keyring needs the session bus address). */
export function spawnRunner(env: Readonly<Record<string, string | undefined>>): CommandRunner {
  return (command, args, input) =>
    new Promise((resolve) => {
      const child = spawn(command, args, { env: { ...env }, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString("utf8");
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString("utf8");
      });
      child.on("error", (e: NodeJS.ErrnoException) => {
        resolve({ code: e.code === "ENOENT" ? undefined : 127, stdout, stderr: String(e) });
      });
      child.on("close", (code) => resolve({ code: code ?? 128, stdout, stderr }));
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

/** The OS keyring through `secret-tool`, one entry per Warden home. The key goes in on stdin, never in argv. */
export function keyringSource(home: string, run: CommandRunner): KeySource {
  const attributes = ["service", "warden", "store", home];
  return {
    kind: "keyring",
    async load() {
      const r = await run("secret-tool", ["lookup", ...attributes]);
      if (r.code === undefined) throw storeFailed("secret-tool is not installed");
      if (r.code !== 0) {
        if (r.stderr.trim() === "") return undefined; // lookup exits 1 silently when there is no such entry
        throw storeFailed(`the keyring refused the lookup (exit ${r.code})`);
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
      if (r.code !== 0) throw storeFailed(`the keyring refused to store the key (exit ${r.code ?? "missing"})`);
      return key;
    },
  };
}

/**
 * The key source for a new store: the keyring if `secret-tool` is installed and answers a lookup without an error (a
 * session bus is there), else the key file. If the keyring then refuses to store (a locked collection), the store
 * falls back to the key file. An existing store always reopens with the kind recorded in it.
 */
export async function detectKeyKind(home: string, run: CommandRunner): Promise<KeyKind> {
  const probe = await run("secret-tool", ["lookup", "service", "warden", "probe", home]);
  if (probe.code === undefined) return "file";
  if (probe.code !== 0 && probe.stderr.trim() !== "") return "file";
  return "keyring";
}

export function storeFailed(message: string, cause?: unknown): WardenError {
  return new WardenError(
    "SECRET_STORE_FAILED",
    message,
    { fix: "check the permissions of Warden's home" },
    cause === undefined ? undefined : { cause },
  );
}
