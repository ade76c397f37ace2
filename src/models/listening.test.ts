import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { isListening } from "./listening.js";

describe("isListening", () => {
  it("is true for a port that accepts, false for a closed one (without waiting) or a bad URL", async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    expect(await isListening(`http://127.0.0.1:${port}/v1`, 2000)).toBe(true);
    await new Promise((r) => server.close(r));
    // refused at once: a timeout of a minute would outlast the test's own
    expect(await isListening(`http://127.0.0.1:${port}/v1`, 60_000)).toBe(false);
    expect(await isListening("not a url", 2000)).toBe(false);
  });
});
