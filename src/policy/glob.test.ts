// Glob semantics for paths, tools and argv, brace limits, and bounded matching on hostile input.
import { describe, expect, it } from "vitest";
import { expandBraces, globMatcher, wildMatch } from "./glob.js";

describe("globs", () => {
  const path = (p: string, s: string) => globMatcher(p, "/")(s);
  it("paths: * and ? stay in a folder, a whole ** segment crosses folders (zero or more)", () => {
    expect(path("/ws/**", "/ws")).toBe(true);
    expect(path("/ws/**", "/ws/a/b")).toBe(true);
    expect(path("/ws/**", "/ws-evil/a")).toBe(false);
    expect(path("/ws/*", "/ws/a")).toBe(true);
    expect(path("/ws/*", "/ws/a/b")).toBe(false);
    expect(path("/ws/**/b", "/ws/b")).toBe(true);
    expect(path("/ws/**/b", "/ws/x/y/b")).toBe(true);
    expect(path("/ws/**/b", "/ws/x/y/c")).toBe(false);
    expect(path("/ws/*.md", "/ws/a.md")).toBe(true);
    expect(path("/ws/?.md", "/ws/ab.md")).toBe(false);
    expect(path("/ws/a**", "/ws/ab/c")).toBe(false); // ** inside a segment is a plain *
    expect(path("/{ws,tmp}/**", "/tmp/x")).toBe(true);
    expect(path("/", "/")).toBe(true);
    expect(path("/**", "/anything/at/all")).toBe(true);
  });
  it("tools: segments are dot-separated", () => {
    const tool = (p: string, s: string) => globMatcher(p, ".")(s);
    expect(tool("mcp.github.*", "mcp.github.create_issue")).toBe(true);
    expect(tool("mcp.github.*", "mcp.github.a.b")).toBe(false);
    expect(tool("mcp.**", "mcp.a.b")).toBe(true);
    expect(tool("mcp.**", "mcpx.a")).toBe(false);
  });
  it("argv elements: * matches anything, characters are literal", () => {
    const el = (p: string, s: string) => globMatcher(p, null)(s);
    expect(el("--output*", "--output=/x")).toBe(true);
    expect(el("a.b", "aXb")).toBe(false);
    expect(el("[a]", "[a]")).toBe(true);
    expect(el("(x|y)", "x")).toBe(false);
  });
  it("braces: expanded, bounded, and refused when malformed", () => {
    expect(expandBraces("a{b,c}d{e,f}")).toEqual(["abde", "abdf", "acde", "acdf"]);
    expect(() => expandBraces("a{b")).toThrow();
    expect(() => expandBraces("a}b")).toThrow();
    expect(() => expandBraces("{a,{b}}")).toThrow();
    expect(() => expandBraces("{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b}")).toThrow(/too many/);
  });
  it("stays polynomial on hostile input (a backtracking regex would not finish)", () => {
    const long = "a".repeat(65_536);
    expect(wildMatch("*a*a*a*a*a*b", long)).toBe(false);
    expect(globMatcher("*a*a*a*a*b", null)(long)).toBe(false);
    const deep = `/${"a/".repeat(2000)}c`;
    expect(globMatcher("/**/a/**/a/**/b", "/")(deep)).toBe(false);
    expect(globMatcher("/**/a/**/a/**/c", "/")(deep)).toBe(true);
  });
});
