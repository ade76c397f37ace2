// zod without code generation. zod compiles a parser per schema with `new Function` on first use: slower than
// interpreting for the few parses a process makes (a start parsed the policy and the config about twice as fast
// without it), and code generated from strings is something a security daemon is better off without. Results are the
// same either way. A module of its own, so `warden sandbox exec` can load it on demand: a dynamic import of "zod"
// itself would make the bundler keep all of zod (~580 KB) in one chunk, where named imports keep only what Warden uses.
import { config } from "zod";

export function zodJitless(): void {
  config({ jitless: true });
}
