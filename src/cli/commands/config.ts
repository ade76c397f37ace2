// `warden config show` (effective values, credentials masked) and `warden config schema` (JSON Schema for editors).
import type { Command } from "commander";
import { configJsonSchema, loadConfigFile, maskConfig } from "../../config/index.js";
import { homePaths } from "../../home/index.js";
import { yaml as yamlLib } from "../../home/yaml-lib.js";
import { type CliContext, printJson, println } from "../context.js";

export function registerConfig(program: Command, ctx: CliContext): void {
  const config = program.command("config").description("show the effective configuration or its schema");
  config
    .command("show")
    .description("print the effective config (file + defaults), credentials masked")
    .option("--json", "print JSON instead of YAML")
    .action((opts: { json?: boolean }) => {
      const file = homePaths(ctx.homeRoot).config;
      const masked = maskConfig(loadConfigFile(file));
      if (opts.json) return printJson(ctx.stdout, masked);
      println(ctx.stdout, `# effective config from ${file} (defaults filled in)`);
      ctx.stdout.write(yamlLib().stringify(masked));
    });
  config
    .command("schema")
    .description("print the JSON Schema of warden.yaml (for editors: yaml-language-server)")
    .action(() => printJson(ctx.stdout, configJsonSchema()));
}
