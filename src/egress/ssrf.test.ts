// SSRF bypass forms, each sent through the http_request tool with a policy that allows every host: the address and
// syntax checks alone must refuse them, and the recording upstream on 127.0.0.1 must receive nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpRequestTool } from "./http-tool.js";
import { testEgress } from "./setup.fake.js";
import { recordingUpstream, type Upstream } from "./upstream.fake.js";

let upstream: Upstream;
beforeAll(async () => {
  upstream = await recordingUpstream();
  upstream.route("/to-metadata", (_req, _body, res) =>
    res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end(),
  );
  upstream.route("/to-file", (_req, _body, res) => res.writeHead(301, { location: "file:///etc/passwd" }).end());
  upstream.route("/to-v6-loopback", (_req, _body, res) =>
    res.writeHead(307, { location: `http://[::1]:${upstream.port}/` }).end(),
  );
  upstream.route("/to-decimal", (_req, _body, res) =>
    res.writeHead(302, { location: `http://2130706434:${upstream.port}/` }).end(),
  );
  upstream.route("/to-rebind", (_req, _body, res) =>
    res.writeHead(302, { location: `http://internal.test:${upstream.port}/x` }).end(),
  );
});
afterAll(async () => {
  await upstream[Symbol.asyncDispose]();
});

function forms(p: number): [string, string][] {
  return [
    ["short IPv4", `http://127.1:${p}/`],
    ["decimal IPv4", `http://2130706433:${p}/`],
    ["hex IPv4", `http://0x7f000001:${p}/`],
    ["dotted hex IPv4", `http://0x7f.0.0.1:${p}/`],
    ["all-hex dotted IPv4", `http://0x7f.0x0.0x0.0x1:${p}/`],
    ["octal IPv4", `http://0177.0.0.1:${p}/`],
    ["long octal IPv4", `http://017700000001:${p}/`],
    ["zero-padded IPv4", `http://127.000.000.001:${p}/`],
    ["leading-zero last octet", `http://127.0.0.01:${p}/`],
    ["upper-case hex scheme and host", `HTTP://0X7F.1:${p}/`],
    ["bare zero", `http://0:${p}/`],
    ["0.0.0.0", `http://0.0.0.0:${p}/`],
    ["other loopback address", `http://127.0.0.2:${p}/`],
    ["IPv6 loopback", `http://[::1]:${p}/`],
    ["IPv6 loopback, long form", `http://[0000:0000:0000:0000:0000:0000:0000:0001]:${p}/`],
    ["IPv6 unspecified", `http://[::]:${p}/`],
    ["IPv4-mapped IPv6, dotted", `http://[::ffff:127.0.0.1]:${p}/`],
    ["IPv4-mapped IPv6, hex", `http://[::ffff:7f00:1]:${p}/`],
    ["IPv4-mapped IPv6, long", `http://[0:0:0:0:0:ffff:127.0.0.1]:${p}/`],
    ["IPv4-compatible IPv6", `http://[::127.0.0.1]:${p}/`],
    ["NAT64 of loopback", `http://[64:ff9b::127.0.0.1]:${p}/`],
    ["6to4 of loopback", `http://[2002:7f00:1::1]:${p}/`],
    ["IPv6 zone id", `http://[fe80::1%25lo]:${p}/`],
    ["IPv6 link-local", `http://[fe80::1]:${p}/`],
    ["IPv6 unique local", `http://[fd12:3456::1]:${p}/`],
    ["IPv6 multicast", `http://[ff02::1]:${p}/`],
    ["AWS metadata", "http://169.254.169.254/latest/meta-data/"],
    ["AWS metadata, IPv6", "http://[fd00:ec2::254]/latest/meta-data/"],
    ["metadata via mapped IPv6", "http://[::ffff:169.254.169.254]/"],
    ["metadata via decimal", "http://2852039166/"],
    ["metadata name", "http://metadata.google.internal/computeMetadata/v1/"],
    ["Alibaba metadata", "http://100.100.100.200/latest/meta-data/"],
    ["private 10/8", "http://10.0.0.1/"],
    ["private 172.16/12", "http://172.16.0.1/"],
    ["private 192.168/16", "http://192.168.1.1/"],
    ["CGNAT", "http://100.64.0.1/"],
    ["multicast", "http://224.0.0.1/"],
    ["broadcast", "http://255.255.255.255/"],
    ["reserved 240/4", "http://240.0.0.1/"],
    ["localhost name", `http://localhost:${p}/`],
    ["subdomain of localhost", `http://app.localhost:${p}/`],
    ["wildcard-DNS name of loopback", `http://127.0.0.2.nip.io:${p}/`],
    ["name with mixed public and internal answers", `http://mixed.test:${p}/`],
    ["name resolving to a mapped IPv6 loopback", `http://mapped.test:${p}/`],
    ["userinfo before an internal host", `http://allowed.test@127.0.0.2:${p}/`],
    ["userinfo with password", `http://user:pass@allowed.test:${p}/`],
    ["backslash before @", `http://127.0.0.2:${p}\\@allowed.test/`],
    ["backslash as path separator", `http://allowed.test\\@127.0.0.2:${p}/`],
    ["percent-encoded host", `http://%31%32%37.0.0.1:${p}/`],
    ["full-width digits", `http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:${p}/`],
    ["tab inside the host", `http://127.0.0.\t1:${p}/`],
    ["newline inside the URL", `http://allowed.test:${p}/\n.127.0.0.2`],
    ["file scheme", "file:///etc/passwd"],
    ["gopher scheme", `gopher://127.0.0.1:${p}/_GET%20/`],
    ["dict scheme", `dict://127.0.0.1:${p}/info`],
    ["ftp scheme", "ftp://allowed.test/file"],
    ["javascript scheme", "javascript:alert(1)"],
    ["scheme-relative URL", `//127.0.0.1:${p}/`],
    ["single slash after scheme", `http:/127.0.0.2:${p}/`],
    ["redirect to metadata", `http://127.0.0.1:${p}/to-metadata`],
    ["redirect to file:", `http://127.0.0.1:${p}/to-file`],
    ["redirect to IPv6 loopback", `http://127.0.0.1:${p}/to-v6-loopback`],
    ["redirect to a decimal IPv4", `http://127.0.0.1:${p}/to-decimal`],
    ["redirect to a name resolving internally", `http://127.0.0.1:${p}/to-rebind`],
  ];
}

describe("SSRF bypass forms", () => {
  it("has at least 40 forms", () => {
    expect(forms(1).length).toBeGreaterThanOrEqual(40);
  });

  it("refuses every form, audits each refusal, and the upstream never sees one of them", async () => {
    // 127.0.0.1 (and only it) is allowed by an exact-address rule, so the redirect tests can reach the upstream;
    // every other spelling of loopback must still be refused.
    const t = testEgress({
      config: { allowAddresses: ["127.0.0.1"] },
      names: {
        "allowed.test": "127.0.0.1",
        "metadata.google.internal": "169.254.169.254",
        "127.0.0.2.nip.io": "127.0.0.2",
        "mixed.test": ["93.184.216.34", "10.1.2.3"],
        "mapped.test": "::ffff:127.0.0.1",
        "internal.test": "192.168.0.10",
      },
    });
    const tool = createHttpRequestTool(t.deps);
    const accepted: string[] = [];
    for (const [label, url] of forms(upstream.port)) {
      const before = t.events.filter((e) => e.type === "egress.denied").length;
      const result = await tool.run({ url });
      if (result.ok || result.error.code !== "EGRESS_DENIED") accepted.push(`${label}: ${JSON.stringify(result)}`);
      if (t.events.filter((e) => e.type === "egress.denied").length !== before + 1)
        accepted.push(`${label}: not audited`);
    }
    expect(accepted).toEqual([]);
    // Only the redirecting routes were reached, never a redirect target.
    expect(upstream.requests.map((r) => r.url).sort()).toEqual([
      "/to-decimal",
      "/to-file",
      "/to-metadata",
      "/to-rebind",
      "/to-v6-loopback",
    ]);
  });

  it("reaches an internal address only when a rule names that exact address", async () => {
    const url = `http://127.0.0.1:${upstream.port}/exact`;
    const refused = await createHttpRequestTool(testEgress().deps).run({ url });
    expect(refused.ok ? "reached" : refused.error.reason).toBe(
      "127.0.0.1 (loopback address), not in egress.allowAddresses",
    );
    const allowed = await createHttpRequestTool(testEgress({ config: { allowAddresses: ["127.0.0.1"] } }).deps).run({
      url,
    });
    expect(allowed.ok && allowed.status).toBe(200);
  });

  it("asks policy before any DNS lookup, so a denied name leaks nothing to DNS", async () => {
    const t = testEgress({
      names: { "exfil.example": "93.184.216.34" },
      decide: () => ({ verdict: "deny", reason: "no rule" }),
    });
    const r = await createHttpRequestTool(t.deps).run({ url: "http://data-in-the-name.exfil.example/" });
    expect(r.ok ? "" : r.error.reason).toContain("denied by policy");
    expect(t.resolver.calls).toEqual([]);
  });
});
