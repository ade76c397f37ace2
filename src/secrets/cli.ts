// What the lead's CLI calls for `warden secrets set NAME | list | rm NAME`. Values come from a stream (stdin, or a
// terminal with echo off), never from argv. Output for `list` holds names, dates and bindings: never a value.
import type { Readable, Writable } from "node:stream";
import { WardenError } from "../errors.js";
import { type Bindings, describeBindings } from "./bindings.js";
import type { SecretStore } from "./store.js";

const MAX_INPUT = 64 * 1024;

/** Read a whole value from a pipe; one trailing newline (LF or CRLF) is dropped, as `echo` and editors add one. */
export async function readSecretValue(input: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > MAX_INPUT) throw new WardenError("USAGE", "a secret value is at most 64 KiB");
    chunks.push(b);
  }
  const value = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (value.length === 0)
    throw new WardenError("USAGE", "no value on standard input", {
      fix: 'printf %s "$TOKEN" | warden secrets set NAME',
    });
  return value;
}

/** A terminal prompt with echo off (raw mode): Enter ends, Backspace erases, Ctrl-C and Ctrl-D abort. */
export function promptHidden(
  input: Readable & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown },
  output: Writable,
  prompt: string,
): Promise<string> {
  if (input.isTTY !== true || input.setRawMode === undefined) return readSecretValue(input);
  const setRaw = input.setRawMode.bind(input);
  output.write(prompt);
  setRaw(true);
  return new Promise((resolve, reject) => {
    let value = "";
    const done = (error?: WardenError) => {
      input.off("data", onData);
      setRaw(false);
      input.pause();
      output.write("\n");
      if (error) reject(error);
      else if (value.length === 0) reject(new WardenError("USAGE", "empty value"));
      else resolve(value);
    };
    const onData = (data: Buffer | string) => {
      for (const ch of data.toString()) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003" || ch === "\u0004") return done(new WardenError("INTERRUPTED", "cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
      return undefined;
    };
    input.on("data", onData);
    input.resume();
  });
}

export interface SecretListing {
  readonly name: string;
  readonly updatedAt: string;
  readonly bindings: string[];
}

export async function listSecrets(store: SecretStore, bindings: Bindings): Promise<SecretListing[]> {
  const infos = await store.list();
  return infos.map((s) => ({ ...s, bindings: describeBindings(bindings, s.name) }));
}

/** `warden secrets rm NAME`: SECRET_NOT_FOUND if there was no such secret. */
export async function removeSecret(store: SecretStore, name: string): Promise<void> {
  if (!(await store.remove(name))) {
    throw new WardenError("SECRET_NOT_FOUND", `no secret named ${name}`, { fix: "warden secrets list" });
  }
}
