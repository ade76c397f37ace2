// Turns a resolved plan (real paths, limits, network mode) into bubblewrap's argv and the sandbox's environment.
// Pure functions: no file system, no spawning, so every flag of the profile is unit-testable. It must never add a
// mount the plan did not ask for, never pass the daemon's environment, and never put env values on the command line.
import type { Limits } from "./types.js";

/** A top-level entry of the host root that programs expect (`/bin`, `/lib64`...): a symlink or a real folder. */
export type RootEntry = { name: string; symlink: string } | { name: string; dir: true };

/** Host /etc entries copied into the sandbox's /etc (no shadow, no host secrets, no package-manager credentials). */
export const ETC_ALLOWLIST = [
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "ssl/openssl.cnf",
  "ca-certificates.conf",
  "localtime",
  "nsswitch.conf",
  "os-release",
  "debian_version",
  "mime.types",
  "protocols",
  "services",
  "gai.conf",
  "host.conf",
  "inputrc",
  "magic",
  "magic.mime",
] as const;

/** Host /etc folders bound read-only instead of copied: hundreds of entries each, copying them costs ~1 s. */
export const ETC_BIND_DIRS = ["alternatives", "ssl/certs"] as const;

/** Synthetic /etc files written by Warden (the host's are never shown). */
export const ETC_SYNTHETIC = ["passwd", "group", "hosts", "hostname", "resolv.conf"] as const;

/** Workspace files that run code or hold config on the host later: mounted read-only unless granted. */
export const SENSITIVE_WORKSPACE_PATHS = [
  ".git/hooks",
  ".git/config",
  ".git/config.worktree",
  ".git/modules", // submodules keep their own config and hooks here
  ".bashrc",
  ".bash_profile",
  ".bash_login",
  ".bash_logout",
  ".profile",
  ".zshrc",
  ".zshenv",
  ".zprofile",
  ".zlogin",
  ".envrc",
  ".env",
  ".vscode",
  ".npmrc",
] as const;

/** Workspace folders that contain sensitive paths below the top level: pinned (see plan.ts). */
export const SENSITIVE_PARENTS = [".git"] as const;

export const PROXY_SOCKET_IN_SANDBOX = "/run/warden/egress.sock";
/** Where the limits helper (helper/warden-limits.c) is bound read-only inside the sandbox. */
export const LIMITS_HELPER_IN_SANDBOX = "/run/warden/limits";
export const PROXY_PORT_IN_SANDBOX = 3128;
export const CA_BUNDLE_IN_SANDBOX = "/run/warden/ca.pem";
export const SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface BwrapPlan {
  /** Real path of the workspace (bound read-write at the same path). */
  workspace: string;
  cwd: string;
  rootEntries: readonly RootEntry[];
  /** Folder holding the minimal /etc (see etc.ts), bound read-only as /etc. */
  etcDir: string;
  /** Names from ETC_BIND_DIRS that exist on the host; bound read-only over their empty mount points in etcDir. */
  etcBinds: readonly string[];
  /** Real paths inside the workspace to re-mount read-only. */
  readOnlyInWorkspace: readonly string[];
  /** Folders bound onto themselves (read-write) before the read-only mounts, so they cannot be renamed. */
  pinnedInWorkspace?: readonly string[];
  /** Extra host paths (real paths). */
  grants: readonly { path: string; write: boolean }[];
  limits: Limits;
  seccompFd: number;
  statusFd: number;
  /** Host path of the egress proxy's unix socket when the network mode is proxy. */
  proxySocket?: string;
  /** Extra read-only folders a helper needs (e.g. the Node binary's folder for the proxy bridge). */
  helperDirs?: readonly string[];
  /** Host path (real) of the egress proxy's CA bundle, mounted read-only at CA_BUNDLE_IN_SANDBOX. */
  caBundle?: string;
  /** Host path of the compiled limits helper, bound read-only at LIMITS_HELPER_IN_SANDBOX; absent: prlimit(1). */
  limitsHelper?: string;
}

export function bwrapArgs(plan: BwrapPlan): string[] {
  const a: string[] = [
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--hostname",
    "warden",
    "--seccomp",
    String(plan.seccompFd),
    "--json-status-fd",
    String(plan.statusFd),
    "--ro-bind",
    "/usr",
    "/usr",
  ];
  for (const e of plan.rootEntries) {
    if ("symlink" in e) a.push("--symlink", e.symlink, `/${e.name}`);
    else a.push("--ro-bind", `/${e.name}`, `/${e.name}`);
  }
  a.push("--ro-bind", plan.etcDir, "/etc");
  for (const d of plan.etcBinds) a.push("--ro-bind", `/etc/${d}`, `/etc/${d}`);
  a.push("--proc", "/proc", "--dev", "/dev");
  a.push("--size", String(plan.limits.tmpBytes), "--tmpfs", "/tmp");
  a.push("--dir", "/var", "--symlink", "../tmp", "/var/tmp");
  for (const d of plan.helperDirs ?? []) a.push("--ro-bind", d, d);
  if (plan.limitsHelper) a.push("--ro-bind", plan.limitsHelper, LIMITS_HELPER_IN_SANDBOX);
  a.push("--bind", plan.workspace, plan.workspace);
  for (const p of plan.pinnedInWorkspace ?? []) a.push("--bind", p, p);
  for (const p of plan.readOnlyInWorkspace) a.push("--ro-bind", p, p);
  for (const g of plan.grants) a.push(g.write ? "--bind" : "--ro-bind", g.path, g.path);
  if (plan.proxySocket) a.push("--dir", "/run/warden", "--bind", plan.proxySocket, PROXY_SOCKET_IN_SANDBOX);
  if (plan.proxySocket && plan.caBundle) a.push("--ro-bind", plan.caBundle, CA_BUNDLE_IN_SANDBOX);
  // The root tmpfs holding the mount points turns read-only last: only workspace, write grants and /tmp stay writable.
  a.push("--remount-ro", "/", "--chdir", plan.cwd);
  return a;
}

/**
 * The command line run inside the sandbox: (proxy mode) the bridge first, then the limits program, then the command.
 * `limitsPath` is Warden's helper (helper/warden-limits.c) or prlimit(1): both take exactly these flags.
 * Memory is RLIMIT_DATA (private writable memory actually mapped), not RLIMIT_AS: runtimes like Node (V8, wasm) and
 * the JVM reserve tens of GiB of address space they never touch, so an address-space cap breaks them (fetch fails)
 * without bounding real use any better.
 */
export function innerCommand(
  argv: readonly string[],
  limits: Limits,
  opts: { limitsPath: string; bridge?: { nodePath: string; source: string } },
): string[] {
  const cpu = Math.max(1, Math.ceil(limits.cpuSec));
  const rl = [
    opts.limitsPath,
    `--cpu=${cpu}:${cpu + 1}`,
    `--data=${limits.memoryBytes}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileSizeBytes}`,
    `--nofile=${limits.openFiles}`,
    "--core=0",
    "--",
    ...argv,
  ];
  if (!opts.bridge) return rl;
  // The bridge must listen before the command starts and sits outside the command's rlimits (it is Warden's code).
  return [
    opts.bridge.nodePath,
    "-e",
    opts.bridge.source,
    String(PROXY_PORT_IN_SANDBOX),
    PROXY_SOCKET_IN_SANDBOX,
    ...rl,
  ];
}

/** The whole environment of the sandbox, built from scratch (the daemon's is never consulted). */
export function sandboxEnv(opts: {
  workspace: string;
  inject?: Readonly<Record<string, string>>;
  proxy: boolean;
  /** Proxy-Authorization password for the egress proxy (sent as Basic warden:TOKEN by HTTP clients). */
  proxyToken?: string | undefined;
  /** The egress proxy's CA bundle is mounted: point the usual TLS clients at it. */
  caBundle?: boolean;
}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: SANDBOX_PATH,
    HOME: opts.workspace,
    LANG: "C.UTF-8",
    TERM: "dumb",
    USER: "sandbox",
    LOGNAME: "sandbox",
    SHELL: "/bin/sh",
    TMPDIR: "/tmp",
  };
  Object.assign(env, opts.inject ?? {});
  if (opts.proxy) {
    const auth = opts.proxyToken ? `warden:${encodeURIComponent(opts.proxyToken)}@` : "";
    const url = `http://${auth}127.0.0.1:${PROXY_PORT_IN_SANDBOX}`;
    for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"]) env[k] = url;
    env.NO_PROXY = "";
    env.no_proxy = "";
    if (opts.caBundle) {
      for (const k of [
        "SSL_CERT_FILE",
        "NODE_EXTRA_CA_CERTS",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "GIT_SSL_CAINFO",
      ])
        env[k] = CA_BUNDLE_IN_SANDBOX;
    }
  }
  return env;
}

/** Contents of the synthetic /etc files for a sandbox running as uid/gid. */
export function syntheticEtc(uid: number, gid: number): Record<(typeof ETC_SYNTHETIC)[number], string> {
  return {
    passwd: `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nsandbox:x:${uid}:${gid}:sandbox:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\nsandbox:x:${gid}:\nnogroup:x:65534:\n`,
    hosts: "127.0.0.1\tlocalhost warden\n::1\tlocalhost ip6-localhost ip6-loopback\n",
    hostname: "warden\n",
    "resolv.conf": "# no DNS inside the Warden sandbox: the network is none or the egress proxy\n",
  };
}
