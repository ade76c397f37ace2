// The SNI reader, against ClientHello bytes produced by Node's own TLS client.
import { describe, expect, it } from "vitest";
import { parseClientHello } from "./sni.js";
import { captureHello } from "./upstream.fake.js";

describe("parseClientHello", () => {
  it("reads the server name a real client sends, and its absence", async () => {
    expect(parseClientHello(await captureHello("Secure.Test"))).toEqual({ kind: "hello", serverName: "secure.test" });
    expect(parseClientHello(await captureHello(undefined))).toEqual({ kind: "hello", serverName: undefined });
  });

  it("asks for more bytes on a partial record and refuses what is not a TLS handshake", async () => {
    const hello = await captureHello("secure.test");
    expect(parseClientHello(hello.subarray(0, 3)).kind).toBe("incomplete");
    expect(parseClientHello(hello.subarray(0, hello.length - 1)).kind).toBe("incomplete");
    expect(parseClientHello(Buffer.from("SSH-2.0-OpenSSH_9\r\n")).kind).toBe("not-tls");
    expect(parseClientHello(Buffer.from("GET / HTTP/1.1\r\n\r\n")).kind).toBe("not-tls");
    const garbled = Buffer.from(hello);
    garbled[5] = 0x02; // a ServerHello where a ClientHello must be
    expect(parseClientHello(garbled).kind).toBe("not-tls");
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])).kind).toBe("not-tls");
  });
});
