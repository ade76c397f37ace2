// Which IP addresses Warden refuses to connect to on the agent's behalf: everything that is not plainly a public
// unicast address (loopback, private, link-local, CGNAT, multicast, reserved, documentation, cloud metadata, and IPv6
// forms that embed or map an IPv4 address). Pure functions over address text; no DNS, no sockets.
import { isIPv4, isIPv6 } from "node:net";

export type AddressVerdict = { internal: false } | { internal: true; reason: string };

interface Range4 {
  readonly base: number;
  readonly bits: number;
  readonly reason: string;
}

const METADATA = new Set(["169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192", "fd00:ec2::254"]);

const V4: readonly Range4[] = [
  r4("0.0.0.0", 8, "this-network address"),
  r4("10.0.0.0", 8, "private address"),
  r4("100.64.0.0", 10, "carrier-grade NAT address"),
  r4("127.0.0.0", 8, "loopback address"),
  r4("169.254.0.0", 16, "link-local address"),
  r4("172.16.0.0", 12, "private address"),
  r4("192.0.0.0", 24, "IETF protocol address"),
  r4("192.0.2.0", 24, "documentation address"),
  r4("192.88.99.0", 24, "6to4 relay address"),
  r4("192.168.0.0", 16, "private address"),
  r4("198.18.0.0", 15, "benchmarking address"),
  r4("198.51.100.0", 24, "documentation address"),
  r4("203.0.113.0", 24, "documentation address"),
  r4("224.0.0.0", 4, "multicast address"),
  r4("240.0.0.0", 4, "reserved address"),
];

/** Classify a canonical IPv4 or IPv6 address (as returned by DNS or a URL parser). */
export function classifyAddress(address: string): AddressVerdict {
  const canonical = canonicalAddress(address);
  if (canonical === undefined) return { internal: true, reason: "not an IP address" };
  if (METADATA.has(canonical)) return { internal: true, reason: "cloud metadata address" };
  if (isIPv4(canonical)) return classify4(v4Number(canonical));
  return classify6(ipv6Bytes(canonical)!);
}

/** The one spelling of an address used for comparisons: dotted IPv4, compressed lower-case IPv6. */
export function canonicalAddress(address: string): string | undefined {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return bare.split(".").map(Number).join(".");
  if (!isIPv6(bare) || bare.includes("%")) return undefined;
  return formatIPv6(ipv6Bytes(bare)!);
}

function classify4(n: number): AddressVerdict {
  if (n === 0xffffffff) return { internal: true, reason: "broadcast address" };
  for (const r of V4) {
    const mask = r.bits === 0 ? 0 : (0xffffffff << (32 - r.bits)) >>> 0;
    if ((n & mask) >>> 0 === r.base) return { internal: true, reason: r.reason };
  }
  return { internal: false };
}

function classify6(b: Uint8Array): AddressVerdict {
  const word = (i: number) => (b[2 * i]! << 8) | b[2 * i + 1]!;
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  const embedded = (at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  if (zeros(0, 16)) return { internal: true, reason: "unspecified address" };
  if (zeros(0, 15) && b[15] === 1) return { internal: true, reason: "loopback address" };
  if (zeros(0, 10) && word(5) === 0xffff) return { internal: true, reason: "IPv4-mapped IPv6 address" };
  if (zeros(0, 12)) return { internal: true, reason: "IPv4-compatible IPv6 address" };
  if (word(0) === 0x64 && word(1) === 0xff9b) {
    // NAT64: the embedded IPv4 address is what is reached.
    if (word(2) === 1 || classify4(embedded(12)).internal)
      return { internal: true, reason: "NAT64 to an internal address" };
  }
  if (word(0) === 0x2002 && classify4(embedded(2)).internal)
    return { internal: true, reason: "6to4 of an internal address" };
  if (word(0) === 0x2001 && word(1) === 0) return { internal: true, reason: "Teredo address" };
  if (word(0) === 0x2001 && word(1) === 0x0db8) return { internal: true, reason: "documentation address" };
  if (word(0) === 0x0100 && zeros(2, 8)) return { internal: true, reason: "discard-only address" };
  if ((b[0]! & 0xfe) === 0xfc) return { internal: true, reason: "unique local address" };
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return { internal: true, reason: "link-local address" };
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return { internal: true, reason: "site-local address" };
  if (b[0] === 0xff) return { internal: true, reason: "multicast address" };
  return { internal: false };
}

function r4(base: string, bits: number, reason: string): Range4 {
  return { base: v4Number(base), bits, reason };
}

function v4Number(a: string): number {
  return a.split(".").reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

/** 16 bytes of a valid IPv6 address (zone ids excluded), including a trailing dotted IPv4 part. */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  if (!isIPv6(address) || address.includes("%")) return undefined;
  let text = address.toLowerCase();
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    // A trailing dotted IPv4 part is two words.
    const n = v4Number(last);
    text = `${text.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((x) => Number.parseInt(x, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const words = rest === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  if (words.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

function formatIPv6(b: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  // Compress the longest run of two or more zero words (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}
