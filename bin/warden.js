#!/usr/bin/env node
// The installed entry point: everything lives in the compiled composition root (src/main.ts). `warden start
// --foreground`, which is also what `warden start` runs in the background, loads the daemon's own build of it:
// the same code without the CLI, in fewer files (see scripts/bundle.mjs).
const [command, flag, ...rest] = process.argv.slice(2);
const daemon = command === "start" && flag === "--foreground" && rest.length === 0;
await import(daemon ? "../dist/daemon/warden.js" : "../dist/bundle/warden.js");
