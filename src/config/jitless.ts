// zod without code generation (see schema.ts for why), as a module of its own: a dynamic import of "zod" itself would
// make the bundler keep all of zod (~580 KB) in one chunk, where named imports keep only what Warden uses.
import { config } from "zod";

export function zodJitless(): void {
  config({ jitless: true });
}
