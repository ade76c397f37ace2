// The shape of warden.yaml: every key, its type, its default. Strict objects everywhere, so a typo is an error and
// not a silently ignored setting. The same schema yields the JSON Schema for editors (`warden config schema`).
import * as z from "zod";
// Each domain's config.ts is its public config entry: importing it (not the domain's index.ts) keeps reading
// warden.yaml from loading every domain's code, which commands like `status` and `doctor` never need.
import { agentConfigSchema } from "../agent/config.js";
import { approvalsConfigSchema } from "../approvals/config.js";
import { auditConfigSchema } from "../audit/config.js";
import { egressConfigSchema } from "../egress/config.js";
import { mcpConfigSchema } from "../mcp/config.js";
import { modelConfigSchema } from "../models/config.js";
import { policyConfigSchema } from "../policy/config.js";
import { sandboxConfigSchema } from "../sandbox/config.js";
import { schedulesConfigSchema } from "../schedules/config.js";
import { secretsConfigSchema } from "../secrets/config.js";
import { zodJitless } from "./jitless.js";

// Set here (see jitless.ts) because every Warden process that validates anything reads warden.yaml first, and this
// keeps zod out of commands that don't.
zodJitless();

export { secretHandle } from "../secrets/config.js";

const LOOPBACK_HOSTS = ["localhost", "::1", "[::1]"];

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

export const DEFAULT_PORT = 7433;

const gatewaySchema = z.lazy(() =>
  z.strictObject({
    host: z
      .string()
      .default("127.0.0.1")
      .refine(isLoopbackHost, {
        message:
          "expected a loopback address (127.0.0.1, ::1 or localhost): the control plane never listens on the network; use an SSH tunnel for remote access",
      })
      .describe("Address of the control plane (HTTP API + WebSocket). Loopback only."),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(DEFAULT_PORT)
      .describe("TCP port of the control plane; 0 picks one."),
  }),
);

const logSchema = z.lazy(() =>
  z.strictObject({
    level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  }),
);

const storeSchema = z.lazy(() =>
  z.strictObject({
    durability: z
      .enum(["full", "normal"])
      .default("full")
      .describe("full: fsync every commit (survives power loss); normal: survives a crash of Warden only."),
  }),
);

export const configSchema = z.lazy(() =>
  z.strictObject({
    version: z.literal(1).default(1).describe("Config format version."),
    gateway: gatewaySchema.prefault({}),
    log: logSchema.prefault({}),
    model: modelConfigSchema.prefault({}),
    store: storeSchema.prefault({}),
    // Each domain owns the schema of its own section; see docs/<domain>.md.
    policy: policyConfigSchema.prefault({}),
    sandbox: sandboxConfigSchema.prefault({}),
    approvals: approvalsConfigSchema.prefault({}),
    agent: agentConfigSchema.prefault({}),
    audit: auditConfigSchema.prefault({}),
    secrets: secretsConfigSchema.prefault({}),
    egress: egressConfigSchema.prefault({}),
    mcp: mcpConfigSchema.prefault({}),
    schedules: schedulesConfigSchema,
  }),
);

export type Config = z.output<typeof configSchema>;
