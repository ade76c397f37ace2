// Reading the server name (SNI) from the first TLS record of a CONNECT tunnel, so a tunnel opened to one host cannot
// carry a TLS session for another name served from the same address (domain fronting by SNI). Parsing only: no
// crypto, no state. Returns a verdict for any input, never throws.

export type ClientHello =
  | { kind: "incomplete" }
  | { kind: "not-tls" }
  | { kind: "hello"; serverName: string | undefined };

const MAX_RECORD = 16 * 1024 + 2048;

/** Parse the bytes a client sent first; `incomplete` means more bytes are needed for the first record. */
export function parseClientHello(data: Buffer): ClientHello {
  if (data.length < 5) return data.length > 0 && data[0] !== 0x16 ? { kind: "not-tls" } : { kind: "incomplete" };
  if (data[0] !== 0x16 || data[1] !== 0x03) return { kind: "not-tls" };
  const recordLength = data.readUInt16BE(3);
  if (recordLength > MAX_RECORD) return { kind: "not-tls" };
  if (data.length < 5 + recordLength) return { kind: "incomplete" };
  const body = data.subarray(5, 5 + recordLength);
  // Handshake header: type 1 (ClientHello) and a 3-byte length that must fit in this record (no fragmentation).
  if (body.length < 4 || body[0] !== 0x01) return { kind: "not-tls" };
  const helloLength = (body[1]! << 16) | (body[2]! << 8) | body[3]!;
  if (helloLength + 4 > body.length) return { kind: "not-tls" };
  const hello = body.subarray(4, 4 + helloLength);
  let at = 2 + 32; // client_version, random
  const skip = (lengthBytes: 1 | 2): boolean => {
    if (at + lengthBytes > hello.length) return false;
    const n = lengthBytes === 1 ? hello[at]! : hello.readUInt16BE(at);
    at += lengthBytes + n;
    return at <= hello.length;
  };
  if (!skip(1) || !skip(2) || !skip(1)) return { kind: "not-tls" }; // session id, cipher suites, compression
  if (at === hello.length) return { kind: "hello", serverName: undefined }; // no extensions
  if (at + 2 > hello.length) return { kind: "not-tls" };
  const end = at + 2 + hello.readUInt16BE(at);
  if (end > hello.length) return { kind: "not-tls" };
  at += 2;
  while (at + 4 <= end) {
    const type = hello.readUInt16BE(at);
    const length = hello.readUInt16BE(at + 2);
    const ext = hello.subarray(at + 4, at + 4 + length);
    if (at + 4 + length > end) return { kind: "not-tls" };
    if (type === 0x0000) return serverNameOf(ext);
    at += 4 + length;
  }
  return { kind: "hello", serverName: undefined };
}

function serverNameOf(ext: Buffer): ClientHello {
  // server_name_list: 2-byte length, then entries of type (1 byte, 0 = host_name), 2-byte length, name.
  if (ext.length < 5 || ext[2] !== 0x00) return { kind: "not-tls" };
  const length = ext.readUInt16BE(3);
  if (5 + length > ext.length) return { kind: "not-tls" };
  return {
    kind: "hello",
    serverName: ext
      .subarray(5, 5 + length)
      .toString("latin1")
      .toLowerCase()
      .replace(/\.$/, ""),
  };
}
