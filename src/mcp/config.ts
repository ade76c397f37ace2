// The `mcp:` section of warden.yaml: the MCP servers whose tools the agent may call, each either a command run in the
// sandbox (stdio) or a URL reached through the egress path (streamable HTTP), plus the limits every server shares.
// Strict objects: a typo is an error. Server names become part of tool names (`mcp.<server>.<tool>`), so they are
// short identifiers. Nothing here resolves a secret: `secret:NAME` handles stay handles until a server starts.
import * as z from "zod";

/** Server names: a policy glob part and a tool-name part, so no dots, no glob characters. */
export const SERVER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

const HANDLE = /^secret:[A-Z][A-Z0-9_]{0,63}$/;

const envName = z.lazy(() => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "not an environment variable name"));

const pathGrant = z.lazy(() =>
  z.strictObject({
    path: z.string().startsWith("/", "an absolute host path").describe("Host path bound at the same place."),
    write: z.boolean().default(false),
  }),
);

const STDIO_ONLY = ["command", "profile", "workspace", "paths", "env", "net"] as const;
const HTTP_ONLY = ["url", "headers"] as const;

// One strict object for both kinds (a union of two would report a typo as "invalid input" instead of naming the key).
export const mcpServerSchema = z.lazy(() =>
  z
    .strictObject({
      enabled: z.boolean().default(true).describe("false: the server is not started and its tools are not offered."),
      description: z.string().max(500).optional().describe("Added to every tool description of this server."),
      hideTools: z
        .array(z.string().min(1).max(128))
        .max(256)
        .default([])
        .describe("Tools of this server never offered to the model (their names on the server)."),
      start: z
        .enum(["lazy", "daemon"])
        .default("lazy")
        .describe("lazy: when the first task starts; daemon: in the background once the daemon is ready."),
      // stdio servers
      command: z
        .array(z.string().min(1).max(4096))
        .min(1)
        .max(256)
        .optional()
        .describe("argv of a stdio server, run in the sandbox (argv[0] is looked up on the sandbox PATH)."),
      profile: z
        .string()
        .min(1)
        .optional()
        .describe("Sandbox profile (limits, paths, env); default sandbox.defaultProfile."),
      workspace: z
        .string()
        .startsWith("/", "an absolute host path")
        .optional()
        .describe("Host folder bound read-write as the server's workspace; default a private scratch folder."),
      paths: z.array(pathGrant).max(64).optional().describe("Extra host paths, read-only unless write: true."),
      env: z
        .record(
          envName,
          z
            .string()
            .max(8192)
            .refine((v) => !v.startsWith("secret:") || HANDLE.test(v), "expected a secret handle like secret:NAME"),
        )
        .optional()
        .describe("Environment of the server; a value secret:NAME is resolved by the host for this server only."),
      net: z
        .enum(["none", "proxy"])
        .optional()
        .describe("none (default): no network; proxy: only through Warden's egress proxy (policy decides each host)."),
      // streamable HTTP servers
      url: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe("Streamable HTTP endpoint, reached through egress."),
      headers: z
        .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "not a header name"), z.string().max(8192))
        .optional()
        .describe("Request headers; secret:NAME inside a value is injected where secrets.bindings.http allows it."),
    })
    .superRefine((s, ctx) => {
      if ((s.command === undefined) === (s.url === undefined)) {
        ctx.addIssue({ code: "custom", message: "a server has either command (stdio) or url (streamable HTTP)" });
        return;
      }
      const wrong = s.url !== undefined ? STDIO_ONLY : HTTP_ONLY;
      for (const key of wrong)
        if (s[key] !== undefined)
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `${key} is for ${s.url !== undefined ? "stdio (command)" : "HTTP (url)"} servers`,
          });
    }),
);

export const mcpConfigSchema = z.lazy(() =>
  z.strictObject({
    servers: z
      .record(
        z.string().regex(SERVER_NAME, "a server name is a-z, 0-9, _ and -, starting with a letter"),
        mcpServerSchema,
      )
      .default({}),
    /** Connecting, the handshake and listing tools, per attempt. */
    startTimeoutMs: z.number().int().min(100).max(600_000).default(20_000),
    /** One tool call; past it the call fails (the server keeps running). */
    callTimeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
    /** Text of one result handed to the model; the rest is cut with a marker. */
    maxResultBytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
    /** Tools offered per server; a server listing more is refused (its tools are not offered). */
    maxToolsPerServer: z.number().int().min(1).max(1000).default(128),
    /** Size of one tool's input schema (JSON); a bigger one is refused. */
    maxSchemaBytes: z
      .number()
      .int()
      .min(256)
      .max(1024 * 1024)
      .default(32 * 1024),
    /** A crashed server is restarted at its next use, at the earliest after this delay, doubling per crash up to 60 s. */
    restartBackoffMs: z.number().int().min(0).max(600_000).default(1000),
  }),
);

export type McpConfig = z.output<typeof mcpConfigSchema>;
export type McpServerConfig = z.output<typeof mcpServerSchema>;
export type StdioServerConfig = McpServerConfig & { command: string[] };
export type HttpServerConfig = McpServerConfig & { url: string };

export const isStdio = (s: McpServerConfig): s is StdioServerConfig => s.command !== undefined;
