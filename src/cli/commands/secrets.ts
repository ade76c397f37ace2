// `warden secrets set NAME | list | rm NAME`: the host-side secret store. A value comes from standard input (a pipe,
// or a terminal prompt with echo off), never from argv, and is never printed. A running daemon is told to learn the
// new value so that it is redacted from then on.

import type { Readable } from "node:stream";
import type { Command } from "commander";
import { type CliContext, printJson, println } from "../context.js";

async function openStore(ctx: CliContext) {
  const { homePaths } = await import("../../home/index.js");
  const { loadConfigFile } = await import("../../config/index.js");
  const secrets = await import("../../secrets/index.js");
  const paths = homePaths(ctx.homeRoot);
  const config = loadConfigFile(paths.config);
  const store = secrets.fileSecretStore({
    home: paths.root,
    run: secrets.spawnRunner(ctx.self.env),
    keySource: config.secrets.keySource,
  });
  return { store, config, secrets };
}

/** Tell a running daemon to re-read the store; a stopped daemon reads it at its next start anyway. */
async function notifyDaemon(ctx: CliContext): Promise<void> {
  const { daemonClient } = await import("../remote.js");
  try {
    await daemonClient(ctx.homeRoot).request("POST", "/v1/secrets/reload");
  } catch {
    // Not running (or not answering): nothing holds old values in memory that would need the new ones.
  }
}

export function registerSecrets(program: Command, ctx: CliContext): void {
  const secrets = program.command("secrets").description("the host's secret store (the model only sees secret:NAME)");

  secrets
    .command("set")
    .description("store a secret; the value is read from standard input (or a hidden prompt), never from arguments")
    .argument("<name>", "letters, digits and _ (the model refers to it as secret:NAME)")
    .action(async (name: string) => {
      const { store, secrets: lib } = await openStore(ctx);
      const { WardenError } = await import("../../errors.js");
      if (!lib.isSecretName(name)) {
        throw new WardenError("USAGE", `invalid secret name ${JSON.stringify(name)}`, {
          fix: `names match ${lib.SECRET_NAME}`,
        });
      }
      const input = ctx.stdin as Readable & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };
      const value = await lib.promptHidden(input, ctx.stderr, `value for ${name} (input hidden): `);
      await store.set(name, value);
      await notifyDaemon(ctx);
      println(ctx.stdout, `Stored ${name}. Use it as secret:${name} where a binding in warden.yaml allows it.`);
    });

  secrets
    .command("list")
    .description("names, dates and bindings; never values")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => {
      const { store, config, secrets: lib } = await openStore(ctx);
      const listing = await lib.listSecrets(store, config.secrets.bindings);
      if (opts.json) return printJson(ctx.stdout, listing);
      if (listing.length === 0) return println(ctx.stdout, "No secrets stored.");
      for (const s of listing) {
        println(ctx.stdout, `${s.name}  (updated ${s.updatedAt})`);
        for (const b of s.bindings) println(ctx.stdout, `  bound: ${b}`);
        if (s.bindings.length === 0) println(ctx.stdout, "  not bound anywhere: no tool can use it yet");
      }
    });

  secrets
    .command("rm")
    .description("delete a secret (a running daemon keeps redacting its old value until it restarts)")
    .argument("<name>")
    .action(async (name: string) => {
      const { store, secrets: lib } = await openStore(ctx);
      await lib.removeSecret(store, name);
      await notifyDaemon(ctx);
      println(ctx.stdout, `Removed ${name}.`);
    });
}
