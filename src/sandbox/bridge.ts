// The in-sandbox egress bridge: a tiny program (run with `node -e`) that listens on 127.0.0.1:PORT inside the
// sandbox's own network namespace and forwards every connection to the egress proxy's unix socket, then runs the
// command and exits with its status. It must never connect anywhere but that socket: it is the only way out.

/** CommonJS source for `node -e SOURCE PORT SOCKET CMD ARGS...`. Kept dependency-free and small on purpose. */
export const BRIDGE_SOURCE = `
"use strict";
const net = require("node:net");
const { spawn } = require("node:child_process");
const [port, socketPath, file, ...args] = process.argv.slice(1);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on("error", close);
  upstream.on("error", close);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.on("error", (e) => { process.stderr.write("warden bridge: " + e.message + "\\n"); process.exit(125); });
server.listen(Number(port), "127.0.0.1", () => {
  const child = spawn(file, args, { stdio: "inherit" });
  child.on("error", (e) => { process.stderr.write("warden bridge: " + e.message + "\\n"); process.exit(127); });
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? 128 + (require("node:os").constants.signals[signal] ?? 0);
    process.exit();
  });
});
`;
