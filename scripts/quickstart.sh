#!/usr/bin/env bash
# Quick start: install and build (scripts/install-deps.sh), create the home if needed, check the machine, start the
# daemon on the embedded defaults, and end in a chat with the agent when a model is there: a local model server
# (Ollama, llama.cpp, vLLM, NIM on their usual ports) or a GGUF file in <home>/models with the embedded engine.
# Without a model it says how to get one and leaves the daemon running.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
warden() { node bin/warden.js "$@"; }
warden init
warden doctor
if warden status >/dev/null 2>&1; then
  echo "Warden is already running."
else
  warden start
fi
warden status

# The daemon chose its model at start-up: the configured one, else a local server, else the embedded engine.
provider=$(warden status --json | node -e '
  let s = "";
  process.stdin.on("data", (d) => (s += d)).on("end", () => {
    try { console.log(JSON.parse(s).daemon?.model?.provider ?? "none"); } catch { console.log("none"); }
  });')
echo
if [ "$provider" != "none" ]; then
  if [ -t 0 ] && [ -t 1 ]; then
    echo "Model: $provider. Starting a chat with the agent (/help for commands, /quit or Ctrl-C twice to leave)."
    exec node bin/warden.js chat
  fi
  echo "Model: $provider. Talk to the agent with: node bin/warden.js chat"
  exit 0
fi
echo "Warden is running, but it found no model, so the agent is off. Either:"
echo "  - start a local model server (e.g. ollama serve; ollama pull qwen2.5:1.5b), or"
echo "  - node bin/warden.js model engine install && node bin/warden.js model pull   (embedded, CPU, no server)"
echo "then: node bin/warden.js stop && scripts/quickstart.sh   (it ends in a chat)."
echo "(npm link puts warden on your PATH.)"
