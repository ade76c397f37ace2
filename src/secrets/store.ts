// The encrypted secret store: one file in Warden's home (AES-256-GCM, fresh IV per write, header bound as associated
// data), key from keys.ts. Host side only: values leave this file through `get` and `values`, which only the daemon's
// injection and redaction paths may call. It never logs or prints a value and never writes one unencrypted.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { WardenError } from "../errors.js";
import {
  type CommandRunner,
  detectKeyKind,
  type KeyKind,
  type KeySource,
  keyFileSource,
  keyringSource,
  storeFailed,
} from "./keys.js";
import { withFileLock } from "./lock.js";
import { isSecretName } from "./names.js";

export const STORE_FILE = "secrets.enc";
const FORMAT = "warden-secrets";
const MAX_VALUE_BYTES = 64 * 1024;

export interface SecretInfo {
  readonly name: string;
  readonly updatedAt: string;
}

/**
 * Contract: names must satisfy SECRET_NAME (else USAGE). A store whose file was tampered with, or whose key is
 * missing or wrong, throws SECRET_STORE_FAILED: it never silently starts empty over an existing file.
 */
export interface SecretStore {
  set(name: string, value: string): Promise<void>;
  list(): Promise<SecretInfo[]>;
  /** true if it existed. */
  remove(name: string): Promise<boolean>;
  /** Host side only. */
  get(name: string): Promise<string | undefined>;
  /** Host side only: every name and value, for the redactor. */
  values(): Promise<Map<string, string>>;
}

const headerSchema = z.lazy(() =>
  z.strictObject({
    format: z.literal(FORMAT),
    version: z.literal(1),
    key: z.enum(["keyring", "file"]),
    iv: z.string(),
    tag: z.string(),
    data: z.string(),
  }),
);
const payloadSchema = z.lazy(() =>
  z.strictObject({
    secrets: z.record(z.string(), z.strictObject({ value: z.string(), updatedAt: z.string() })),
  }),
);
type Payload = z.infer<typeof payloadSchema>;

export interface FileSecretStoreOptions {
  /** Warden's home folder (created by `warden init`, 0700). */
  home: string;
  /** Runs `secret-tool`; see keys.ts spawnRunner. */
  run: CommandRunner;
  /** `auto` (default): the keyring if it works, else the key file. */
  keySource?: "auto" | KeyKind;
  now?: () => Date;
}

export function fileSecretStore(options: FileSecretStoreOptions): SecretStore {
  const path = join(options.home, STORE_FILE);
  const lockPath = `${path}.lock`;
  const now = options.now ?? (() => new Date());
  const sources = new Map<KeyKind, KeySource>();
  // The key is cached for the life of this object (the daemon's): asking the keyring spawns a process, and the daemon
  // holds the values in memory anyway. A missing key is not cached, so a key created by the CLI is found later.
  const sourceOf = (kind: KeyKind): KeySource => {
    let source = sources.get(kind);
    if (source === undefined) {
      source = cached(kind === "keyring" ? keyringSource(options.home, options.run) : keyFileSource(options.home));
      sources.set(kind, source);
    }
    return source;
  };

  async function readHeader(): Promise<z.infer<typeof headerSchema> | undefined> {
    let raw: string;
    try {
      raw = await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw storeFailed(`cannot read ${path}`, e);
    }
    try {
      return headerSchema.parse(JSON.parse(raw));
    } catch (e) {
      throw new WardenError(
        "SECRET_STORE_FAILED",
        `${path} is not a Warden secret store`,
        { file: path },
        { cause: e },
      );
    }
  }

  /** `kind` is undefined for a store not written yet: where its key goes is decided (and probed) at the first write. */
  async function load(): Promise<{ payload: Payload; kind: KeyKind | undefined; key: Buffer | undefined }> {
    const header = await readHeader();
    // No probe here: reading an empty store (every daemon start without secrets) must not spawn secret-tool.
    if (header === undefined) return { payload: { secrets: {} }, kind: undefined, key: undefined };
    const key = await sourceOf(header.key).load();
    if (key === undefined) {
      throw new WardenError("SECRET_STORE_FAILED", `the key of ${path} (${header.key}) is missing`, {
        file: path,
        fix: "restore the key, or move the store aside and set the secrets again",
      });
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(header.iv, "base64"));
      decipher.setAAD(aad(header.key));
      decipher.setAuthTag(Buffer.from(header.tag, "base64"));
      const plain = Buffer.concat([decipher.update(Buffer.from(header.data, "base64")), decipher.final()]);
      return { payload: payloadSchema.parse(JSON.parse(plain.toString("utf8"))), kind: header.key, key };
    } catch (e) {
      throw new WardenError(
        "SECRET_STORE_FAILED",
        `${path} cannot be decrypted (wrong key or tampered file)`,
        {
          file: path,
        },
        { cause: e },
      );
    }
  }

  async function chooseKind(): Promise<KeyKind> {
    const wanted = options.keySource ?? "auto";
    return wanted === "auto" ? detectKeyKind(options.home, options.run) : wanted;
  }

  /** The key for a store being written for the first time, created if needed. */
  async function keyFor(kind: KeyKind): Promise<{ key: Buffer; kind: KeyKind }> {
    const existing = await sourceOf(kind).load();
    if (existing !== undefined) return { key: existing, kind };
    try {
      return { key: await sourceOf(kind).create(), kind };
    } catch (e) {
      if (kind !== "keyring" || (options.keySource ?? "auto") !== "auto") throw e;
      // The keyring answered the probe but refused to store: the key file is the documented fallback.
      const file = sourceOf("file");
      return { key: (await file.load()) ?? (await file.create()), kind: "file" };
    }
  }

  async function save(payload: Payload, kind: KeyKind | undefined, known: Buffer | undefined): Promise<void> {
    const chosen = kind ?? (await chooseKind());
    const { key, kind: keyKind } = known === undefined ? await keyFor(chosen) : { key: known, kind: chosen };
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(aad(keyKind));
    const data = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()]);
    const header = {
      format: FORMAT,
      version: 1,
      key: keyKind,
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      data: data.toString("base64"),
    };
    await writeAtomically(path, `${JSON.stringify(header)}\n`);
  }

  return {
    async set(name, value) {
      checkName(name);
      if (value.length === 0) throw new WardenError("USAGE", "a secret value cannot be empty");
      if (Buffer.byteLength(value) > MAX_VALUE_BYTES)
        throw new WardenError("USAGE", "a secret value is at most 64 KiB");
      await withFileLock(lockPath, async () => {
        const { payload, kind, key } = await load();
        payload.secrets[name] = { value, updatedAt: now().toISOString() };
        await save(payload, kind, key);
      });
    },
    async list() {
      const { payload } = await load();
      return Object.entries(payload.secrets)
        .map(([name, s]) => ({ name, updatedAt: s.updatedAt }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async remove(name) {
      checkName(name);
      return withFileLock(lockPath, async () => {
        const { payload, kind, key } = await load();
        if (payload.secrets[name] === undefined) return false;
        delete payload.secrets[name];
        await save(payload, kind, key);
        return true;
      });
    },
    async get(name) {
      const { payload } = await load();
      return payload.secrets[name]?.value;
    },
    async values() {
      const { payload } = await load();
      return new Map(Object.entries(payload.secrets).map(([name, s]) => [name, s.value]));
    },
  };
}

function cached(source: KeySource): KeySource {
  let key: Buffer | undefined;
  return {
    kind: source.kind,
    async load() {
      key ??= await source.load();
      return key;
    },
    async create() {
      key = await source.create();
      return key;
    },
  };
}

function aad(kind: KeyKind): Buffer {
  return Buffer.from(`${FORMAT}:1:${kind}`);
}

function checkName(name: string): void {
  if (!isSecretName(name)) {
    throw new WardenError("USAGE", `invalid secret name ${JSON.stringify(name)}`, {
      fix: "use A-Z, 0-9 and _, starting with a letter (e.g. GITHUB_TOKEN)",
    });
  }
}

/** Write a sibling temp file 0600, fsync it, rename over the target: a crash leaves the old or the new store. */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined); // best effort: the rename error is the one to report
    throw storeFailed(`cannot write ${path}`, e);
  }
}
