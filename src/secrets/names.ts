// Secret names and handles. The model only ever sees `secret:NAME`; this file says what a name and a handle look like
// and finds handles in text. It never resolves a handle to a value (bindings.ts does, on the host side).
import * as z from "zod";

/** Upper-case, environment-variable style: also usable as an env var name without quoting. */
export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
export const secretNameSchema = z.lazy(() =>
  z.string().regex(SECRET_NAME, "a secret name is A-Z, 0-9 and _, starting with a letter"),
);

const HANDLE = /secret:([A-Z][A-Z0-9_]{0,63})(?![A-Z0-9_])/g;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function handleOf(name: string): string {
  return `secret:${name}`;
}

/** The secret names referenced by handles in `text`, in order of appearance, without duplicates. */
export function handlesIn(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(HANDLE)) names.add(m[1]!);
  return [...names];
}

/** Replace each handle in `text` by `lookup(name)`. */
export function replaceHandles(text: string, lookup: (name: string) => string): string {
  return text.replace(HANDLE, (_, name: string) => lookup(name));
}
