import { describe, expect, it } from "vitest";
import { DEFAULT_PROFILE, profileLimits } from "../sandbox/index.js";
import { FakeSandbox } from "../sandbox/sandbox.fake.js";
import { toolSpecs } from "./loop.js";
import { systemPrompt } from "./prompt.js";
import { builtinTools } from "./tools/index.js";

describe("what Warden adds to every model request", () => {
  const tools = toolSpecs(builtinTools({ sandbox: new FakeSandbox(profileLimits(DEFAULT_PROFILE)) }));

  it("stays under 6 KB: system prompt plus tool schemas", () => {
    const bytes = Buffer.byteLength(systemPrompt("/home/someone/.local/share/warden/workspaces/t_0123456789ab"));
    expect(bytes + Buffer.byteLength(JSON.stringify(tools))).toBeLessThan(6 * 1024);
  });

  it("gives the model strict JSON Schemas generated from zod", () => {
    expect(tools.map((t) => t.name)).toEqual([
      "exec",
      "read_file",
      "write_file",
      "edit_file",
      "list_dir",
      "search_files",
    ]);
    const exec = tools[0]?.parameters as { required?: string[]; additionalProperties?: boolean; $schema?: string };
    expect(exec.required).toEqual(["argv"]);
    expect(exec.additionalProperties).toBe(false);
    expect(exec.$schema).toBeUndefined();
  });
});
