// The `sandbox:` section of warden.yaml: backend choice and named profiles with their limits. Strict objects and a
// default for every field. The `none` backend is refused unless `allowUnsandboxed: true` says it on purpose.
import * as z from "zod";

const MiB = 1024 * 1024;

const pathGrantSchema = z.lazy(() =>
  z.strictObject({
    path: z.string().min(1).describe("Absolute host path bound at the same place inside the sandbox."),
    write: z.boolean().default(false),
  }),
);

export const sandboxProfileSchema = z.lazy(() =>
  z.strictObject({
    timeoutSec: z
      .number()
      .positive()
      .max(86_400)
      .default(120)
      .describe("Wall time; the whole sandbox is killed after."),
    cpuSec: z.number().int().positive().default(120).describe("CPU seconds (RLIMIT_CPU)."),
    memoryBytes: z
      .number()
      .int()
      .min(16 * MiB)
      .default(4096 * MiB)
      .describe(
        "Private writable memory (RLIMIT_DATA: heap, anonymous mappings); address space only reserved is not counted.",
      ),
    processes: z.number().int().min(4).default(256).describe("Processes + threads (RLIMIT_NPROC)."),
    fileSizeBytes: z
      .number()
      .int()
      .min(MiB)
      .default(512 * MiB)
      .describe("Largest file written (RLIMIT_FSIZE)."),
    tmpBytes: z
      .number()
      .int()
      .min(MiB)
      .default(256 * MiB)
      .describe("Size of the private /tmp."),
    openFiles: z.number().int().min(16).default(1024).describe("Open descriptors (RLIMIT_NOFILE)."),
    outputBytes: z
      .number()
      .int()
      .min(1024)
      .default(MiB)
      .describe("Captured stdout+stderr; the rest is dropped with a marker."),
    paths: z.array(pathGrantSchema).default([]).describe("Extra host paths, read-only unless write: true."),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  }),
);

export const sandboxConfigSchema = z.lazy(() =>
  z
    .strictObject({
      backend: z
        .enum(["bwrap", "docker", "podman", "none"])
        .default("bwrap")
        .describe("bwrap (default), podman, docker, none (no sandbox: needs allowUnsandboxed)."),
      allowUnsandboxed: z.boolean().default(false).describe("Must be true for backend none; doctor flags it in red."),
      bwrapPath: z.string().min(1).default("/usr/bin/bwrap"),
      podmanPath: z.string().min(1).default("/usr/bin/podman").describe("The podman binary (backend podman)."),
      dockerPath: z.string().min(1).default("/usr/bin/docker").describe("The docker CLI (backend docker)."),
      dockerHost: z
        .string()
        .regex(/^unix:\/\/\/\S+$/)
        .optional()
        .describe("The engine's socket for docker --host (unix:///run/docker.sock); default the CLI's own."),
      podmanRuntime: z
        .string()
        .regex(/^[A-Za-z0-9._/-]+$/)
        .optional()
        .describe("OCI runtime for podman --runtime, e.g. runc on hosts with hybrid cgroups (crun refuses them)."),
      runAsUid: z
        .number()
        .int()
        .min(1)
        .default(65534)
        .describe("When Warden runs as root, sandboxes run as this host uid (never as root)."),
      runAsGid: z.number().int().min(1).default(65534),
      defaultProfile: z.string().min(1).default("default"),
      profiles: z.record(z.string().min(1), sandboxProfileSchema).default({ default: sandboxProfileSchema.parse({}) }),
    })
    .refine((c) => c.backend !== "none" || c.allowUnsandboxed, {
      message: "sandbox.backend none runs commands unsandboxed: set sandbox.allowUnsandboxed: true to mean it",
      path: ["backend"],
    })
    .refine((c) => c.defaultProfile === "default" || c.profiles[c.defaultProfile] !== undefined, {
      message: "sandbox.defaultProfile names a profile that sandbox.profiles does not define",
      path: ["defaultProfile"],
    }),
);

export type SandboxConfig = z.output<typeof sandboxConfigSchema>;
export type SandboxProfile = z.output<typeof sandboxProfileSchema>;

// Without zod, for the run path (profiles.ts); re-exported here for the tests and callers that have the schema.
export { DEFAULT_PROFILE, profileLimits, resolveProfile } from "./profiles.js";
