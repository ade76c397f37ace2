// The Sandbox contract shared by every backend (bwrap, none, the fake) and by callers (agent loop, CLI).
// Types only; no behaviour lives here.
import type { Result, WardenError } from "../errors.js";
import type { ForbiddenPath } from "./plan.js";

export type SandboxBackend = "bwrap" | "docker" | "podman" | "none" | "fake";

/** What every isolating backend (bwrap, podman, docker) is built with. */
export interface BackendOptions {
  /** Host uid/gid commands run as when this process is root (never root itself). */
  runAs?: { uid: number; gid: number };
  /** Paths no sandbox may see or be given: Warden's home (database, secrets, token, audit). */
  forbiddenPaths?: readonly ForbiddenPath[];
  /** Limits for fields a CommandSpec leaves out. */
  defaultLimits: Limits;
  /** Parent folder of the private runtime folder (synthetic /etc, helper); default runtimeParent(). */
  runtimeParent?: string;
  /** This process's uid (and gid); injectable so tests can plan for root without being root. */
  uid?: number;
  gid?: number;
}

/** Resource limits for one command. Every field is required once resolved from a profile. */
export interface Limits {
  /** Wall-clock time; at the deadline the whole sandbox (every process in it) is killed. */
  timeoutMs: number;
  /** CPU seconds (RLIMIT_CPU). */
  cpuSec: number;
  /**
   * Private writable memory in bytes (RLIMIT_DATA): what the command's heap and anonymous mappings may reach.
   * Address space that is only reserved (V8, wasm, the JVM reserve many GiB) is not counted, unlike RLIMIT_AS.
   */
  memoryBytes: number;
  /** Processes and threads of the sandbox user (RLIMIT_NPROC). */
  processes: number;
  /** Largest file the command may write (RLIMIT_FSIZE). */
  fileSizeBytes: number;
  /** Size of the private /tmp tmpfs. */
  tmpBytes: number;
  /** Open file descriptors (RLIMIT_NOFILE). */
  openFiles: number;
  /** Bytes of stdout+stderr captured and streamed; the rest is dropped and a marker says so. */
  outputBytes: number;
}

/** A host path granted to the command beyond its workspace (read-only unless write is true). */
export interface PathGrant {
  path: string;
  write?: boolean;
}

/**
 * none: loopback only. proxy: the only way out is the egress proxy's unix socket; `token`, when the proxy wants one,
 * goes into the proxy URL as the password (`http://warden:TOKEN@127.0.0.1:3128`), visible to the command by design.
 * `caBundle`: host path of a PEM bundle (public certificates only) mounted read-only at /run/warden/ca.pem and named
 * by SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and GIT_SSL_CAINFO, so clients in the
 * sandbox trust the egress proxy's TLS interception.
 */
export type NetMode = { mode: "none" } | { mode: "proxy"; socketPath: string; token?: string; caBundle?: string };

export interface CommandSpec {
  /** argv[0] is an absolute path or a name looked up on the sandbox's PATH (never the daemon's). */
  argv: readonly string[];
  /** Host folder bound read-write at the same path: the only writable place besides a private /tmp. */
  workspace: string;
  /** Working directory inside the sandbox; default the workspace. */
  cwd?: string;
  /** Variables policy injects; added to the from-scratch environment. */
  env?: Readonly<Record<string, string>>;
  /** Input for the command; a stream (e.g. the CLI's stdin) is forwarded as it arrives. Default: /dev/null. */
  stdin?: string | Uint8Array | NodeJS.ReadableStream;
  limits?: Partial<Limits>;
  net?: NetMode;
  /** Extra host paths (policy grants); each must exist. */
  paths?: readonly PathGrant[];
  /** Workspace-relative sensitive files the policy lets the command write (e.g. ".env"). */
  writableSensitive?: readonly string[];
  onStdout?: (chunk: Uint8Array) => void;
  onStderr?: (chunk: Uint8Array) => void;
  /** Aborting kills the sandbox like a timeout does (timedOut stays false, aborted is true). */
  signal?: AbortSignal;
}

export type LimitHit = "timeout" | "output" | "cpu" | "fileSize";

export interface RunResult {
  /** The command's exit code; 128+N when it died from signal N; null when the sandbox was killed (timeout, abort). */
  exitCode: number | null;
  timedOut: boolean;
  aborted: boolean;
  /** Output went past limits.outputBytes; the captured text ends with a truncation marker. */
  truncated: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  /**
   * Limits the command ran into, as far as the outcome shows it: "timeout", "output" (truncated), "cpu" (died of
   * SIGXCPU, exit 152), "fileSize" (died of SIGXFSZ, exit 153). Best effort: memory and process limits surface as
   * failed allocations or forks inside the command, not here.
   */
  limitsHit?: LimitHit[];
  /**
   * Sensitive workspace paths (e.g. ".git/hooks", ".bashrc") the command created: they did not exist, so they could
   * not be mounted read-only. The caller audits them (and may remove them) before anything on the host uses them.
   */
  createdSensitive?: string[];
}

export interface SandboxInfo {
  backend: SandboxBackend;
  version: string;
}

/**
 * Contract: `run` never throws for expected failures; it returns SANDBOX_UNAVAILABLE when the sandbox cannot be
 * built (never falling back to running unsandboxed) and SANDBOX_FAILED when it broke while running. When `run`
 * settles, no process of that command is alive. `killAll` kills every running command and resolves once they are gone.
 */
export interface Sandbox {
  readonly backend: SandboxBackend;
  probe(): Promise<Result<SandboxInfo, WardenError>>;
  run(spec: CommandSpec): Promise<Result<RunResult, WardenError>>;
  killAll(): Promise<void>;
}
