// Egress benchmark: (1) proxy overhead per request against a direct request on loopback, plain HTTP and HTTPS through
// an intercepted CONNECT tunnel (keep-alive requests, and new connections with their TLS handshakes), (2) redaction
// throughput with 100 secrets, each against a baseline measured in the same run. Build first:
// npx tsc -p tsconfig.build.json. Prints one JSON object. Bounded: a few thousand requests and a few hundred megabytes
// of text, well under 2 minutes.
import { randomBytes } from "node:crypto";
import { Agent, createServer, request } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { cpus, loadavg } from "node:os";
import { connect as tlsConnect } from "node:tls";
import {
  createCertificateAuthority,
  egressConfigSchema,
  startEgressProxy,
  staticResolver,
} from "../../dist/egress/index.js";
import { ValueRedactor } from "../../dist/log/redactor.js";
import { bindingsSchema, memorySecretStore, SecretRedactor } from "../../dist/secrets/index.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 200);
const WARMUP = 200;
const SECRETS = 100;

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, d = 3) => Number(x.toFixed(d));

function secretValues() {
  // Realistic token shapes and lengths (16 to 48 characters).
  return Array.from({ length: SECRETS }, (_, i) => randomBytes(12 + (i % 4) * 6).toString("base64url"));
}

function get(agent, options) {
  return new Promise((resolve, reject) => {
    const req = request({ agent, ...options }, (res) => {
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", reject);
    req.end();
  });
}

async function proxyOverhead(values) {
  const body = JSON.stringify({ ok: true, items: [1, 2, 3], note: "a small JSON answer" });
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  const upPort = upstream.address().port;
  const redactor = new SecretRedactor();
  for (const [i, v] of values.entries()) redactor.add(`SECRET_${i}`, v);
  const store = memorySecretStore(Object.fromEntries(values.map((v, i) => [`SECRET_${i}`, v])));
  const deps = {
    decide: () => ({ verdict: "allow", reason: "bench" }),
    resolver: staticResolver({ "api.bench": "127.0.0.1" }),
    scanner: redactor,
    secrets: { bindings: bindingsSchema.parse({}), get: (n) => store.get(n) },
    config: egressConfigSchema.parse({ allowAddresses: ["127.0.0.1"] }),
    audit: () => undefined,
  };
  const proxy = await startEgressProxy(deps, { tcp: true });
  const proxyPort = Number(new URL(proxy.url).port);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const direct = { host: "127.0.0.1", port: upPort, path: "/items?page=1", headers: { accept: "application/json" } };
  const viaProxy = {
    host: "127.0.0.1",
    port: proxyPort,
    path: `http://api.bench:${upPort}/items?page=1`,
    headers: { accept: "application/json" },
  };
  const times = { direct: [], proxy: [] };
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    // Interleaved, so drift on a shared machine hits both sides alike.
    for (const [name, opts] of [
      ["direct", direct],
      ["proxy", viaProxy],
    ]) {
      const t = process.hrtime.bigint();
      await get(agent, opts);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (i >= WARMUP) times[name].push(ms);
    }
  }
  agent.destroy();
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  const d = [...times.direct].sort((a, b) => a - b);
  const p = [...times.proxy].sort((a, b) => a - b);
  return {
    requests: REQUESTS,
    secrets_registered: SECRETS,
    direct_p50_ms: round(pct(d, 50)),
    direct_p99_ms: round(pct(d, 99)),
    proxy_p50_ms: round(pct(p, 50)),
    proxy_p99_ms: round(pct(p, 99)),
    overhead_p50_ms: round(pct(p, 50) - pct(d, 50)),
    ratio_p50: round(pct(p, 50) / pct(d, 50), 2),
    target_overhead_p50_ms: 1,
  };
}

/** One HTTP/1.1 exchange on an open (TLS) socket: send, then read until the whole content-length body is in. */
function exchange(socket, head) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(buf.subarray(0, end).toString())?.[1] ?? 0);
      if (buf.length >= end + 4 + length) {
        socket.off("data", onData);
        socket.off("error", reject);
        resolve(buf.subarray(0, 12).toString());
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(head);
  });
}

function connectTunnel(proxyPort, authority) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxyPort, method: "CONNECT", path: authority });
    req.on("connect", (res, socket) => (res.statusCode === 200 ? resolve(socket) : reject(new Error("refused"))));
    req.on("error", reject);
    req.end();
  });
}

function tls(options) {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ ...options, servername: "api.bench", ALPNProtocols: ["http/1.1"] });
    s.once("secureConnect", () => resolve(s));
    s.once("error", reject);
  });
}

/** HTTPS: direct to the server against through the proxy's intercepted tunnel (TLS to the proxy, TLS to the server). */
async function httpsOverhead() {
  const body = JSON.stringify({ ok: true, items: [1, 2, 3], note: "a small JSON answer" });
  const upstreamCa = createCertificateAuthority({ name: "bench upstream CA" });
  const upstream = createHttpsServer(upstreamCa.issue("api.bench"), (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  const upPort = upstream.address().port;
  const redactor = new SecretRedactor();
  const deps = {
    decide: () => ({ verdict: "allow", reason: "bench" }),
    resolver: staticResolver({ "api.bench": "127.0.0.1" }),
    scanner: redactor,
    secrets: { bindings: bindingsSchema.parse({}), get: async () => undefined },
    config: egressConfigSchema.parse({ allowAddresses: ["127.0.0.1"], connectPorts: [upPort] }),
    audit: () => undefined,
    ca: upstreamCa.certPem,
  };
  const authority = createCertificateAuthority();
  const proxy = await startEgressProxy(deps, { tcp: true, authority });
  const proxyPort = Number(new URL(proxy.url).port);
  const head = `GET /items?page=1 HTTP/1.1\r\nHost: api.bench:${upPort}\r\naccept: application/json\r\n\r\n`;
  const openDirect = () => tls({ host: "127.0.0.1", port: upPort, ca: upstreamCa.certPem });
  const openProxied = async () =>
    tls({ socket: await connectTunnel(proxyPort, `api.bench:${upPort}`), ca: authority.certPem });

  // Keep-alive: one connection each, many requests (how curl, requests and git reuse a connection).
  const direct = await openDirect();
  const proxied = await openProxied();
  const times = { direct: [], proxy: [] };
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    for (const [name, socket] of [
      ["direct", direct],
      ["proxy", proxied],
    ]) {
      const t = process.hrtime.bigint();
      const status = await exchange(socket, head);
      if (!status.startsWith("HTTP/1.1 200")) throw new Error(`${name}: ${status}`);
      if (i >= WARMUP) times[name].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  direct.destroy();
  proxied.destroy();

  // New connection per request: TCP (+ CONNECT) + TLS handshake(s) + one request. The leaf certificate is cached after
  // the first tunnel, as in a running daemon.
  const cold = { direct: [], proxy: [] };
  for (let i = 0; i < 10 + HANDSHAKES; i++) {
    for (const [name, open] of [
      ["direct", openDirect],
      ["proxy", openProxied],
    ]) {
      const t = process.hrtime.bigint();
      const socket = await open();
      await exchange(socket, head);
      socket.destroy();
      if (i >= 10) cold[name].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const [d, p, cd, cp] = [times.direct, times.proxy, cold.direct, cold.proxy].map(sorted);
  return {
    requests: REQUESTS,
    keepalive_direct_p50_ms: round(pct(d, 50)),
    keepalive_direct_p99_ms: round(pct(d, 99)),
    keepalive_proxy_p50_ms: round(pct(p, 50)),
    keepalive_proxy_p99_ms: round(pct(p, 99)),
    keepalive_overhead_p50_ms: round(pct(p, 50) - pct(d, 50)),
    keepalive_ratio_p50: round(pct(p, 50) / pct(d, 50), 2),
    new_connections: HANDSHAKES,
    new_connection_direct_p50_ms: round(pct(cd, 50)),
    new_connection_direct_p99_ms: round(pct(cd, 99)),
    new_connection_proxy_p50_ms: round(pct(cp, 50)),
    new_connection_proxy_p99_ms: round(pct(cp, 99)),
    new_connection_overhead_p50_ms: round(pct(cp, 50) - pct(cd, 50)),
    note: "proxy side: TLS terminated by the proxy (leaf cached), request checked, forwarded over its own verified TLS connection (pooled per admitted address)",
  };
}

function corpus(values, megabytes) {
  const lines = [
    '2026-11-25T13:00:00.123Z INFO request handled {"path":"/api/v1/items","status":200,"user":"alice","ms":3.2}\n',
    "The quick brown fox jumps over the lazy dog. Version 1.2.3 was released on 2026-11-25; see docs.example.com.\n",
    "    at Object.<anonymous> (/home/user/project/src/index.ts:42:13) at Module._compile (node:internal)\n",
    `{"id":"a1b2c3d4","name":"widget","tags":["x","y"],"sha":"${"9f".repeat(20)}","blob":"${randomBytes(48).toString("base64")}"}\n`,
    "drwxr-xr-x  5 user user  4096 Nov 25 13:00 node_modules -rw-r--r-- 1 user user 1234 package.json\n",
  ];
  const parts = [];
  let size = 0;
  let i = 0;
  while (size < megabytes * 1e6) {
    let line = lines[i % lines.length];
    // About one secret (in some encoding) every 64 KB, and a credential now and then.
    if (i % 600 === 0)
      line = `token=${values[i % values.length]} b64=${Buffer.from(values[(i + 1) % values.length]).toString("base64")}\n`;
    if (i % 5000 === 0) line = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n";
    parts.push(line);
    size += line.length;
    i++;
  }
  return Buffer.from(parts.join("")).toString(); // one flat string
}

// Wall-clock rate, and the rate per CPU second of this process: on a shared machine (other processes competing for
// the cores) the second is the steadier figure.
function throughput(fn, text, runs) {
  const rates = [];
  const cpuRates = [];
  let out = "";
  for (let r = 0; r < runs; r++) {
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    out = fn(text);
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    const used = process.cpuUsage(cpu);
    rates.push(text.length / 1e6 / s);
    cpuRates.push(text.length / 1e6 / ((used.user + used.system) / 1e6));
  }
  return { mb_per_s: round(median(rates), 1), mb_per_cpu_s: round(median(cpuRates), 1), out };
}

function redaction(values) {
  const text = corpus(values, 32);
  const redactor = new SecretRedactor();
  for (const [i, v] of values.entries()) redactor.add(`SECRET_${i}`, v);
  const baseline = new ValueRedactor();
  for (const [i, v] of values.entries()) baseline.add(`SECRET_${i}`, v);
  redactor.redact(text.slice(0, 1e6)); // build the matcher and warm up
  baseline.redact(text.slice(0, 1e6));
  const ours = throughput((t) => redactor.redact(t), text, 5);
  // A stream consumer writes each piece out as it comes (to a socket or a file), so the pieces are not kept here.
  const streamed = throughput(
    (t) => {
      const s = redactor.stream();
      let written = 0;
      for (let i = 0; i < t.length; i += 65536) written += s.push(t.slice(i, i + 65536)).length;
      written += s.end().length;
      return String(written);
    },
    text,
    3,
  );
  const base = throughput((t) => baseline.redact(t), text, 3);
  const leaked = values.filter((v) => ours.out.includes(v)).length;
  return {
    corpus_mb: round(text.length / 1e6, 1),
    secrets: SECRETS,
    patterns_per_secret:
      "raw, lower, UPPER, base64 x3 alignments, base64url, hex, HEX, URL/form encodings, JSON escape",
    redact_mb_per_s: ours.mb_per_s,
    redact_mb_per_cpu_s: ours.mb_per_cpu_s,
    stream_64k_chunks_mb_per_s: streamed.mb_per_s,
    stream_64k_chunks_mb_per_cpu_s: streamed.mb_per_cpu_s,
    baseline_raw_only_regex_mb_per_s: base.mb_per_s,
    baseline_raw_only_regex_mb_per_cpu_s: base.mb_per_cpu_s,
    ratio_vs_baseline: round(ours.mb_per_s / base.mb_per_s, 2),
    secret_values_left_in_output: leaked,
    target_mb_per_s: 200,
  };
}

const started = Date.now();
const values = secretValues();
const proxy = await proxyOverhead(values);
const https = await httpsOverhead();
const redact = redaction(values);
console.log(
  JSON.stringify(
    {
      bench: "egress",
      node: process.version,
      load_average_1m: round(loadavg()[0], 2),
      cpus: cpus().length,
      proxy_overhead: proxy,
      https_proxy_overhead: https,
      redaction: redact,
      seconds: round((Date.now() - started) / 1000, 1),
    },
    null,
    2,
  ),
);
