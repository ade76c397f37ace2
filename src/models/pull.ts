// Downloads a model file into <home>/models: written to NAME.part, resumed with a Range request when a .part is there
// (restarted cleanly when the server will not resume), checked against its pinned SHA-256, and only then renamed into
// place, so a file under its final name is always whole and the right one. A failed checksum deletes the download.
// One pull per file at a time (NAME.lock), and none that the disk has no room for.
// Never throws: failures are WardenError values; going offline says what else works without a download.
import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { statfs } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { err, ok, type Result, WardenError } from "../errors.js";
import type { FetchLike } from "./probe.js";

export interface PullOptions {
  url: string;
  sha256: string;
  /** the expected size, when known (progress and an early check) */
  bytes?: number;
  /** the final path; the download goes to `${dest}.part` first */
  dest: string;
  fetch?: FetchLike;
  signal?: AbortSignal;
  /** no byte for this long ends the download (kept for resuming); default 60 s */
  idleTimeoutMs?: number;
  onProgress?: (p: { done: number; total?: number; resumedFrom: number }) => void;
}

export interface PullResult {
  path: string;
  bytes: number;
  /** already there and verified: nothing was downloaded */
  present: boolean;
  /** bytes kept from an earlier interrupted download */
  resumedFrom: number;
}

const offlineFix = (modelsDir: string) =>
  "without a download: point model.baseUrl at a local server you run (Ollama http://127.0.0.1:11434/v1, " +
  "llama.cpp llama-server http://127.0.0.1:8080/v1, vLLM http://127.0.0.1:8000/v1) with model.provider: " +
  `openai-compatible; or copy a GGUF file into ${modelsDir} and set model.provider: embedded and model.path: FILE`;

async function hashFile(path: string, hash = createHash("sha256")): Promise<ReturnType<typeof createHash>> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

function causeCode(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = cause?.code ?? (e as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Free bytes for an unprivileged user on the file system holding `dir`; undefined when it cannot tell. */
async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const st = await statfs(dir);
    return st.bavail * st.bsize;
  } catch {
    return undefined;
  }
}

/** The innermost cause's message: "fetch failed" says less than what is under it. */
function innermost(e: unknown): string {
  let inner = e;
  for (let depth = 0; depth < 5 && inner instanceof Error && inner.cause !== undefined; depth++) inner = inner.cause;
  return inner instanceof Error ? inner.message : String(inner);
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "ECONNRESET"]);

/** One pull of a file at a time: a lock file holding the puller's pid (a dead puller's lock is taken over). */
function takeLock(lock: string): Result<() => void, WardenError> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx", mode: 0o600 });
      return ok(() => rmSync(lock, { force: true }));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const pid = Number(readFileSync(lock, "utf8"));
    let alive = false;
    try {
      alive = Number.isInteger(pid) && pid > 0 && process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === "EPERM";
    }
    if (alive) {
      return err(
        new WardenError("CONFLICT", `another pull of ${basename(lock, ".lock")} is running (pid ${pid})`, {
          fix: "wait for it to finish, or stop it (it resumes later)",
        }),
      );
    }
    rmSync(lock, { force: true });
  }
  return err(new WardenError("CONFLICT", `cannot take the download lock ${lock}`));
}

export async function pullModel(options: PullOptions): Promise<Result<PullResult, WardenError>> {
  mkdirSync(dirname(options.dest), { recursive: true, mode: 0o700 });
  const lock = takeLock(`${options.dest}.lock`);
  if (!lock.ok) return lock;
  try {
    return await pullLocked(options);
  } finally {
    lock.value();
  }
}

async function pullLocked(options: PullOptions): Promise<Result<PullResult, WardenError>> {
  const { dest, sha256 } = options;
  const part = `${dest}.part`;
  const name = basename(dest);

  if (existsSync(dest)) {
    const digest = (await hashFile(dest)).digest("hex");
    if (digest === sha256) return ok({ path: dest, bytes: statSync(dest).size, present: true, resumedFrom: 0 });
    return err(
      new WardenError("CONFLICT", `${dest} exists but is not the expected file (SHA-256 ${digest})`, {
        fix: `move it away (or delete it) and pull again`,
      }),
    );
  }

  let have = existsSync(part) ? statSync(part).size : 0;
  if (options.bytes !== undefined && have > options.bytes) {
    rmSync(part, { force: true });
    have = 0;
  }
  if (options.bytes !== undefined) {
    const space = await freeBytes(dirname(dest));
    const needed = options.bytes - have;
    if (space !== undefined && space < needed + 64 * 1024 * 1024) {
      return err(
        new WardenError("MODEL_FAILED", `not enough disk space for ${name}: ${needed} bytes needed, ${space} free`, {
          fix: `free some space in ${dirname(dest)} (or point WARDEN_HOME elsewhere), then pull again`,
        }),
      );
    }
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let idle: NodeJS.Timeout | undefined;
  let timedOut = false;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, idleMs);
  };
  let done = have;
  let resumedFrom = 0;
  try {
    touch();
    const headers: Record<string, string> = {};
    if (have > 0) headers.range = `bytes=${have}-`;
    let res: Response;
    try {
      res = await doFetch(options.url, { headers, signal: controller.signal, redirect: "follow" });
    } catch (e) {
      if (options.signal?.aborted) return err(new WardenError("INTERRUPTED", `the download of ${name} was cancelled`));
      const code = causeCode(e);
      const why = timedOut ? `no answer within ${idleMs} ms` : code && UNREACHABLE.has(code) ? code : innermost(e);
      return err(
        new WardenError(
          "MODEL_FAILED",
          `cannot download ${name} from ${new URL(options.url).host} (${why}): offline?`,
          {
            fix: offlineFix(dirname(dest)),
            data: { url: options.url },
          },
        ),
      );
    }
    if (res.status === 416 && have > 0) {
      // the server has nothing past what we hold: the .part is complete (or wrong); the checksum decides
      await res.body?.cancel();
    } else if (res.status === 206 && have > 0) {
      const start = Number(/^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "")?.[1] ?? -1);
      if (start !== have) {
        await res.body?.cancel();
        rmSync(part, { force: true });
        return err(
          new WardenError(
            "MODEL_FAILED",
            `the server resumed ${name} at the wrong offset; the partial file was removed`,
            {
              fix: "pull again (it starts over)",
            },
          ),
        );
      }
      resumedFrom = have;
    } else if (res.status === 200) {
      have = 0; // the server ignores ranges: start over
      done = 0;
    } else {
      await res.body?.cancel();
      return err(
        new WardenError(
          "MODEL_FAILED",
          `downloading ${name} failed: HTTP ${res.status} from ${new URL(res.url || options.url).host}`,
          {
            fix: "check the model name (warden model pull --help lists them), or try again later",
            data: { status: res.status },
          },
        ),
      );
    }

    if (res.status !== 416) {
      const length = Number(res.headers.get("content-length") ?? Number.NaN);
      const total = Number.isFinite(length) ? have + length : options.bytes;
      const out = createWriteStream(part, { flags: have > 0 ? "a" : "w", mode: 0o600 });
      const closed = once(out, "close");
      try {
        if (!res.body) throw new Error("the server sent no body");
        for await (const chunk of res.body) {
          touch();
          if (!out.write(chunk)) await once(out, "drain");
          done += chunk.length;
          options.onProgress?.({ done, ...(total !== undefined ? { total } : {}), resumedFrom });
        }
      } catch (e) {
        out.end();
        await closed;
        if (options.signal?.aborted) {
          return err(
            new WardenError("INTERRUPTED", `the download of ${name} was cancelled at ${done} bytes`, {
              fix: "pull again: it resumes where it stopped",
            }),
          );
        }
        const why = timedOut ? `no data for ${idleMs} ms` : (causeCode(e) ?? String(e));
        return err(
          new WardenError("MODEL_FAILED", `the download of ${name} stopped at ${done} bytes (${why})`, {
            fix: "pull again: it resumes where it stopped",
            data: { done },
          }),
        );
      }
      out.end();
      await closed;
    }
  } finally {
    clearTimeout(idle);
    options.signal?.removeEventListener("abort", onAbort);
  }

  const size = statSync(part).size;
  const digest = (await hashFile(part)).digest("hex");
  if (digest !== sha256) {
    rmSync(part, { force: true });
    return err(
      new WardenError(
        "MODEL_FAILED",
        `the download of ${name} does not match its checksum (SHA-256 ${digest}, expected ${sha256}); it was deleted`,
        { fix: "pull again; if it fails the same way, the file at the source has changed: report it" },
      ),
    );
  }
  renameSync(part, dest);
  return ok({ path: dest, bytes: size, present: false, resumedFrom });
}
