// The YAML library, loaded on first use rather than at import: a start whose warden.yaml and policy files are all in
// the YAML cache never needs it, and loading it was ~160 KB of code to compile on every start. The loading is
// synchronous (createRequire), so the config and policy loaders stay synchronous. In the bundle, scripts/bundle.mjs
// sets __WARDEN_YAML__ to a one-file copy beside the chunks; elsewhere (tests, the unbundled tsc output) it is the
// package itself.
import { createRequire } from "node:module";
import type * as Yaml from "yaml";

declare const __WARDEN_YAML__: string | undefined;

let lib: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  lib ??= createRequire(import.meta.url)(typeof __WARDEN_YAML__ === "string" ? __WARDEN_YAML__ : "yaml") as typeof Yaml;
  return lib;
}
