// tools/call answers as the model gets them: text joined, binary content described, structured content as JSON, the
// server's own error flagged, everything cut at the cap on a character boundary.
import { describe, expect, it } from "vitest";
import { callValue } from "./result.js";

describe("callValue", () => {
  it("joins text, describes images and binary resources, keeps text resources and structured content", () => {
    const v = callValue(
      {
        content: [
          { type: "text", text: "first" },
          { type: "image", data: "AAAA", mimeType: "image/png" },
          { type: "resource", resource: { uri: "file:///a.txt", text: "inside" } },
          { type: "resource", resource: { uri: "file:///b.bin", blob: "AAAA", mimeType: "application/zip" } },
          { type: "resource_link", uri: "https://x.example/doc", name: "doc" },
        ],
        structuredContent: { n: 1 },
      },
      4096,
    );
    expect(v.text).toBe(
      "first\n[image image/png, 3 bytes, not shown]\n[resource file:///a.txt]\ninside\n[resource file:///b.bin application/zip, binary, not shown]\n[resource link https://x.example/doc (doc)]",
    );
    expect(v.structured).toBe('{"n":1}');
    expect(v.isError).toBeUndefined();
  });

  it("flags the server's own error", () => {
    expect(callValue({ content: [{ type: "text", text: "no such repo" }], isError: true }, 1024)).toEqual({
      text: "no such repo",
      isError: true,
    });
  });

  it("cuts at the cap without splitting a character", () => {
    const v = callValue({ content: [{ type: "text", text: "é".repeat(2000) }] }, 1024);
    expect(Buffer.byteLength(v.text)).toBeLessThanOrEqual(1024);
    expect(v.text).toMatch(/^(é)+\n\[warden: result cut at 1024 bytes\]$/);
    expect(v.truncated).toBe(true);
  });
});
