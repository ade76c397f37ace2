#!/usr/bin/env bash
# Quick start: install and build (scripts/install-deps.sh), create the home if needed, check the machine, start the
# daemon on the embedded defaults and show its status.
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
echo
echo "Warden is running. Next: node bin/warden.js doctor, node bin/warden.js status --json, node bin/warden.js stop."
echo "To let the agent work, point model: in warden.yaml at a local model server (README: Configuration), restart,"
echo "then: node bin/warden.js ask \"list the files here\" --workspace DIR.  (npm link puts warden on your PATH.)"
