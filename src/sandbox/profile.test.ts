// The bwrap argv, inner command and environment builders: every flag of the profile, checked without spawning.
import { describe, expect, it } from "vitest";
import { DEFAULT_PROFILE, profileLimits } from "./config.js";
import { type BwrapPlan, bwrapArgs, innerCommand, sandboxEnv, syntheticEtc } from "./profile.js";

const limits = profileLimits(DEFAULT_PROFILE);
const plan: BwrapPlan = {
  workspace: "/work/ws",
  cwd: "/work/ws",
  rootEntries: [{ name: "bin", symlink: "usr/bin" }],
  etcDir: "/run/x/etc",
  etcBinds: ["alternatives"],
  readOnlyInWorkspace: ["/work/ws/.git/hooks"],
  grants: [
    { path: "/data/ro", write: false },
    { path: "/data/rw", write: true },
  ],
  limits,
  seccompFd: 3,
  statusFd: 4,
};

const pairs = (a: string[], flag: string) => a.flatMap((v, i) => (v === flag ? [[a[i + 1], a[i + 2]]] : []));

describe("bwrapArgs", () => {
  const a = bwrapArgs(plan);
  it("unshares every namespace, drops capabilities and ties the sandbox to its parent", () => {
    for (const f of ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session"])
      expect(a).toContain(f);
    expect(a.slice(a.indexOf("--cap-drop"), a.indexOf("--cap-drop") + 2)).toEqual(["--cap-drop", "ALL"]);
    expect(a).not.toContain("--share-net");
  });
  it("passes the seccomp filter and status descriptors", () => {
    expect(a[a.indexOf("--seccomp") + 1]).toBe("3");
    expect(a[a.indexOf("--json-status-fd") + 1]).toBe("4");
  });
  it("binds the workspace read-write, sensitive files and ro grants read-only after it", () => {
    expect(pairs(a, "--bind")).toEqual([
      ["/work/ws", "/work/ws"],
      ["/data/rw", "/data/rw"],
    ]);
    const ro = pairs(a, "--ro-bind").map((p) => p[0]);
    expect(ro).toContain("/work/ws/.git/hooks");
    expect(ro).toContain("/data/ro");
    expect(a.indexOf("/work/ws/.git/hooks")).toBeGreaterThan(a.indexOf("/work/ws"));
  });
  it("mounts a fresh /proc, a minimal /dev, a sized /tmp and never the host /etc as a whole", () => {
    expect(a[a.indexOf("--proc") + 1]).toBe("/proc");
    expect(a[a.indexOf("--dev") + 1]).toBe("/dev");
    expect(a[a.indexOf("--size") + 1]).toBe(String(limits.tmpBytes));
    expect(pairs(a, "--ro-bind").some((p) => p[0] === "/etc")).toBe(false);
    expect(pairs(a, "--ro-bind")).toContainEqual(["/run/x/etc", "/etc"]);
    expect(pairs(a, "--ro-bind")).toContainEqual(["/etc/alternatives", "/etc/alternatives"]);
  });
  it("makes the root read-only after all mounts", () => {
    expect(a.indexOf("--remount-ro")).toBeGreaterThan(a.lastIndexOf("--bind"));
  });
  it("binds the proxy socket only in proxy mode", () => {
    expect(a.join(" ")).not.toContain("egress.sock");
    const p = bwrapArgs({ ...plan, proxySocket: "/home/w/.warden/egress.sock" });
    expect(pairs(p, "--bind")).toContainEqual(["/home/w/.warden/egress.sock", "/run/warden/egress.sock"]);
  });
});

describe("innerCommand", () => {
  it("applies every rlimit before the command", () => {
    const c = innerCommand(["ls", "-l"], limits, { limitsPath: "/usr/bin/prlimit" });
    expect(c[0]).toBe("/usr/bin/prlimit");
    expect(c).toContain(`--data=${limits.memoryBytes}`);
    expect(c.some((x) => x.startsWith("--as="))).toBe(false);
    expect(c).toContain(`--nproc=${limits.processes}`);
    expect(c).toContain(`--fsize=${limits.fileSizeBytes}`);
    expect(c.slice(-3)).toEqual(["--", "ls", "-l"]);
  });
  it("starts the bridge first in proxy mode", () => {
    const c = innerCommand(["curl"], limits, { limitsPath: "/p", bridge: { nodePath: "/usr/bin/node", source: "S" } });
    expect(c.slice(0, 3)).toEqual(["/usr/bin/node", "-e", "S"]);
    expect(c).toContain("/p");
  });
});

describe("sandboxEnv", () => {
  it("is built from scratch and sets proxies only in proxy mode", () => {
    const env = sandboxEnv({ workspace: "/w", inject: { TOKEN: "t" }, proxy: false });
    expect(Object.keys(env).sort()).toEqual(
      ["HOME", "LANG", "LOGNAME", "PATH", "SHELL", "TERM", "TMPDIR", "TOKEN", "USER"].sort(),
    );
    expect(env.HOME).toBe("/w");
    const p = sandboxEnv({ workspace: "/w", proxy: true });
    expect(p.HTTPS_PROXY).toBe("http://127.0.0.1:3128");
    const t = sandboxEnv({ workspace: "/w", proxy: true, proxyToken: "a/b" });
    expect(t.http_proxy).toBe("http://warden:a%2Fb@127.0.0.1:3128");
  });
  it("writes synthetic passwd/group for the sandbox uid only", () => {
    const etc = syntheticEtc(1234, 1234);
    expect(etc.passwd).toContain("sandbox:x:1234:1234:");
    expect(etc.passwd.split("\n").filter(Boolean)).toHaveLength(3);
  });
});
