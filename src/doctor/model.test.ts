import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTinyLlamaGguf } from "../../test/support/gguf.js";
import { tempDir } from "../../test/support/tmp.js";
import { parseConfig } from "../config/index.js";
import { engineDirs } from "../models/index.js";
import { checkModel } from "./model.js";

// a port nothing listens on: no local server answers
const candidates = [{ name: "ollama", baseUrl: "http://127.0.0.1:1/v1" }];
const installed = engineDirs(undefined);

describe("doctor: model check", () => {
  it("with nothing configured or found: a warning with the exact commands that get a model", async () => {
    await using home = await tempDir();
    const r = await checkModel(parseConfig("{}", "warden.yaml"), {
      homeRoot: home.path,
      candidates,
      engineDirs: installed,
    });
    expect(r.status).toBe("warn");
    expect(r.detail).toMatch(/agent is off/);
    expect(r.detail).toMatch(/embedded: no model file/);
    expect(r.fix).toMatch(/warden model engine install.*warden model pull/);
    expect(r.fix).toMatch(/ollama serve/);
  });

  it("names the embedded engine start-up will use when a model file is there, and checks a configured one", async () => {
    await using home = await tempDir();
    mkdirSync(join(home.path, "models"));
    const path = await writeTinyLlamaGguf(join(home.path, "models", "tiny.gguf"));
    const found = await checkModel(parseConfig("{}", "warden.yaml"), {
      homeRoot: home.path,
      candidates,
      engineDirs: installed,
    });
    expect(found).toMatchObject({ status: "warn", detail: expect.stringContaining(`embedded engine with ${path}`) });

    const ok = await checkModel(parseConfig("model:\n  provider: embedded\n", "warden.yaml"), {
      homeRoot: home.path,
      engineDirs: installed,
    });
    expect(ok).toMatchObject({ status: "ok", detail: `embedded engine 3.21.1 with ${path}` });

    writeFileSync(join(home.path, "models", "junk.gguf"), "no");
    const junk = await checkModel(parseConfig("model:\n  provider: embedded\n  path: junk.gguf\n", "warden.yaml"), {
      homeRoot: home.path,
      engineDirs: [join(home.path, "nowhere")],
    });
    expect(junk.status).toBe("fail");
    expect(junk.detail).toMatch(/not installed.*not a GGUF/);
    expect(junk.fix).toMatch(/warden model engine install/);
  });

  it("flags a cloud provider: prompts leave the machine", async () => {
    await using home = await tempDir();
    const config = parseConfig(
      "model:\n  provider: openai\n  cloud: true\n  model: gpt-x\n  apiKey: secret:OPENAI\n",
      "warden.yaml",
    );
    const r = await checkModel(config, { homeRoot: home.path });
    expect(r).toMatchObject({ status: "warn", detail: expect.stringMatching(/CLOUD.*leaves this machine/) });
  });
});
