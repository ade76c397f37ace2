import { describe, expect, it } from "vitest";
import { fullCollector } from "./settle.js";

describe("collecting start-up garbage", () => {
  it("gets V8's full collector without a command-line flag, and it frees dead objects", () => {
    const gc = fullCollector();
    expect(typeof gc).toBe("function");
    let garbage: { n: number; s: string }[] | undefined = Array.from({ length: 300_000 }, (_, n) => ({
      n,
      s: `v${n}`,
    }));
    const held = process.memoryUsage().heapUsed;
    expect(garbage.length).toBe(300_000);
    garbage = undefined;
    gc?.();
    expect(process.memoryUsage().heapUsed).toBeLessThan(held - 8 * 1024 * 1024);
  });
});
