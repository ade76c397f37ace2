// Address classification, config of exact allowed addresses, target parsing, the system resolver.
import { describe, expect, it } from "vitest";
import { canonicalAddress, classifyAddress } from "./address.js";
import { egressConfigSchema } from "./config.js";
import { systemResolver } from "./resolver.js";
import { parseConnectAuthority, parseUrl } from "./target.js";

describe("addresses", () => {
  it("canonicalizes IPv6 spellings and refuses non-addresses", () => {
    expect(canonicalAddress("0:0:0:0:0:0:0:1")).toBe("::1");
    expect(canonicalAddress("[FD00:EC2:0::254]")).toBe("fd00:ec2::254");
    expect(canonicalAddress("::ffff:127.0.0.1")).toBe("::ffff:7f00:1");
    expect(canonicalAddress("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1");
    expect(canonicalAddress("fe80::1%eth0")).toBeUndefined();
    expect(canonicalAddress("example.com")).toBeUndefined();
  });

  it("accepts public unicast addresses, including NAT64 and 6to4 of public ones", () => {
    for (const a of ["1.1.1.1", "93.184.216.34", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1"]) {
      expect([a, classifyAddress(a).internal]).toEqual([a, false]);
    }
  });

  it("names the reason for internal ones", () => {
    expect(classifyAddress("172.31.255.255")).toEqual({ internal: true, reason: "private address" });
    expect(classifyAddress("172.32.0.1").internal).toBe(false);
    expect(classifyAddress("100.127.255.255")).toEqual({ internal: true, reason: "carrier-grade NAT address" });
    expect(classifyAddress("100.128.0.1").internal).toBe(false);
    expect(classifyAddress("169.254.169.254")).toEqual({ internal: true, reason: "cloud metadata address" });
    expect(classifyAddress("2001:0:4136:e378::1")).toEqual({ internal: true, reason: "Teredo address" });
  });

  it("takes exact addresses in config, canonicalized, and refuses ranges and names", () => {
    expect(egressConfigSchema.parse({ allowAddresses: ["0:0::1", "10.0.0.5"] }).allowAddresses).toEqual([
      "::1",
      "10.0.0.5",
    ]);
    expect(() => egressConfigSchema.parse({ allowAddresses: ["10.0.0.0/8"] })).toThrow();
    expect(() => egressConfigSchema.parse({ allowAddresses: ["db.internal"] })).toThrow();
    expect(() => egressConfigSchema.parse({ unknown: 1 })).toThrow();
  });
});

describe("targets", () => {
  it("parses a URL into the canonical target that policy and the connection both use", () => {
    expect(parseUrl("HTTPS://API.Example.COM./v1/x?y=1#frag")).toEqual({
      ok: true,
      value: { scheme: "https", host: "api.example.com", port: 443, path: "/v1/x", search: "?y=1", ip: false },
    });
    expect(parseUrl("http://[::1]:8080/")).toMatchObject({ ok: true, value: { host: "::1", port: 8080, ip: true } });
    expect(parseUrl("http://bücher.example/")).toMatchObject({ ok: true, value: { host: "xn--bcher-kva.example" } });
  });

  it("parses CONNECT authorities", () => {
    expect(parseConnectAuthority("example.com:443")).toEqual({
      ok: true,
      value: { host: "example.com", port: 443, ip: false },
    });
    expect(parseConnectAuthority("[2606:4700::1111]:443")).toMatchObject({
      ok: true,
      value: { host: "2606:4700::1111" },
    });
    for (const bad of ["example.com", "example.com:0", "example.com:99999", "a@b:443", "0x7f.1:443", "x/y:443"]) {
      expect([bad, parseConnectAuthority(bad).ok]).toEqual([bad, false]);
    }
  });
});

describe("systemResolver", () => {
  it("answers from the system (here /etc/hosts for localhost), every address", async () => {
    const addresses = await systemResolver().resolve("localhost");
    expect(addresses).toContain("127.0.0.1");
  });
});
