// The `docker run` command line of one sandboxed command, as data (pure, unit-tested): what the docker backend
// (docker.ts) mounts where, which flags carry the profile, and the content-named empty root image it runs on.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { BRIDGE_SOURCE } from "./bridge.js";
import { CONTAINER_LABEL, limitFlags, roVolume, workspaceVolumes } from "./container.js";
import type { PlannedPaths } from "./plan.js";
import {
  CA_BUNDLE_IN_SANDBOX,
  innerCommand,
  PROXY_PORT_IN_SANDBOX,
  PROXY_SOCKET_IN_SANDBOX,
  type RootEntry,
} from "./profile.js";
import { emptyRootTar } from "./rootfs-tar.js";
import type { Limits } from "./types.js";

/** --net proxy: the egress proxy's socket (and CA bundle), and the Node binary that runs the bridge. */
export interface DockerProxy {
  socket: string;
  caBundle?: string;
  nodePath: string;
  /** The Node binary's folder when it is not under /usr (bound read-only). */
  nodeDir?: string;
}

/** Where the runtime folder's `run` folder is mounted (read-only): the helper and the seccomp program. */
const RUN_IN_CONTAINER = "/run";
const HELPER_IN_CONTAINER = "/run/warden/limits";
const SECCOMP_IN_CONTAINER = "/run/warden/seccomp.bpf";

export interface DockerPrepared {
  runtimeDir: string;
  image: string;
  etcDir: string;
  etcBinds: readonly string[];
  /** Real top-level folders of the host (not symlinks), bound read-only. */
  rootDirs: readonly string[];
  /** Holds warden/limits and warden/seccomp.bpf; bound read-only at /run. */
  runDir: string;
  /** An empty folder bound read-only over /sys (with fs/cgroup inside, where engines mount the cgroup fs). */
  sysDir: string;
  /** An empty folder bound read-only over /var/tmp (bwrap's is a link to /tmp; an engine would add a tmpfs). */
  emptyDir: string;
  /** The CLI's --config folder: empty, so no credential helper or context of the host user is used. */
  configDir: string;
  user: { uid: number; gid: number };
}

/**
 * The `docker run` argument list for one command (pure, unit-tested). Every writable mount is the workspace, a
 * write grant or the sized /tmp; the environment is in `envFile`; the command runs behind the limits helper (seccomp,
 * rlimits) and a one-line shell that first prints `token` on stderr, so an exit without it is the engine's failure.
 */
export function dockerRunArgs(
  p: DockerPrepared,
  o: {
    name: string;
    instance: string;
    limits: Limits;
    paths: PlannedPaths;
    envFile: string;
    argv: readonly string[];
    token: string;
    stdin: boolean;
    global: readonly string[];
    proxy?: DockerProxy;
  },
): string[] {
  const { limits, paths: pp } = o;
  const ro = roVolume;
  // The command behind a shell that first prints the start token; with --net proxy, behind the bridge as well. The
  // limits helper comes first, so the bridge too runs under Warden's seccomp program and the command's rlimits.
  const marked = ["/bin/sh", "-c", 'printf %s "$1" >&2; shift; exec "$@"', "sh", o.token, ...o.argv];
  const px = o.proxy;
  const bridged = px
    ? [px.nodePath, "-e", BRIDGE_SOURCE, String(PROXY_PORT_IN_SANDBOX), PROXY_SOCKET_IN_SANDBOX, ...marked]
    : marked;
  const [helper, ...rest] = innerCommand(bridged, limits, { limitsPath: HELPER_IN_CONTAINER });
  return [
    ...o.global,
    "run",
    "--name",
    o.name,
    "--label",
    `${CONTAINER_LABEL}=${o.instance}`,
    "--log-driver",
    "none", // output is streamed to Warden only, never kept in the engine's logs
    "--network",
    "none",
    "--read-only",
    "--cap-drop",
    "all",
    "--security-opt",
    "no-new-privileges",
    "--hostname",
    "warden",
    "--pull",
    "never",
    "--user",
    `${p.user.uid}:${p.user.gid}`,
    ...limitFlags(limits),
    ...ro("/usr"),
    ...p.rootDirs.flatMap((d) => ro(d)),
    ...ro(p.etcDir, "/etc"),
    ...p.etcBinds.flatMap((d) => ro(`/etc/${d}`)),
    // Mounted file by file as well: an engine skips its own /etc/hosts, resolv.conf, hostname (docker) and
    // passwd, group (podman) only where the container already has a mount.
    ...["hosts", "hostname", "resolv.conf", "passwd", "group"].flatMap((f) => ro(join(p.etcDir, f), `/etc/${f}`)),
    ...ro(p.runDir, RUN_IN_CONTAINER),
    ...ro(p.sysDir, "/sys"),
    ...ro(p.emptyDir, "/var/tmp"),
    // The socket over its placeholder in the read-only /run/warden (a socket is connected to, never written).
    ...(px ? ["--volume", `${px.socket}:${PROXY_SOCKET_IN_SANDBOX}:rw`] : []),
    ...(px?.caBundle ? ro(px.caBundle, CA_BUNDLE_IN_SANDBOX) : []),
    ...(px?.nodeDir ? ro(px.nodeDir) : []),
    ...workspaceVolumes(pp),
    "--workdir",
    pp.cwd,
    "--env-file",
    o.envFile,
    ...(o.stdin ? ["--interactive"] : []),
    p.image,
    helper as string,
    `--seccomp=${SECCOMP_IN_CONTAINER}`,
    ...rest,
  ];
}

/** The empty root's archive and its image name, named by content: imported once per engine, never confused. */
export function rootImage(rootEntries: readonly RootEntry[]): { tar: Buffer; image: string } {
  const tar = emptyRootTar(rootEntries);
  return { tar, image: `warden-sandbox-root:${createHash("sha256").update(tar).digest("hex").slice(0, 16)}` };
}
