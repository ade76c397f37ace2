// Which candidate servers have something listening, by a bare TCP connect: refused in well under a millisecond on
// loopback, where an HTTP probe first pays for loading the fetch implementation (~100 ms at daemon start-up). Only
// candidates that accept a connection are then asked for their models. Never throws.
import { connect } from "node:net";

export function isListening(baseUrl: string, timeoutMs: number): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return Promise.resolve(false);
  }
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(open);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
