#!/usr/bin/env bash
# Installs everything Warden needs on Debian/Ubuntu and builds it. Idempotent: a second run only checks.
#   system packages: bubblewrap (the sandbox), python3 make g++ (to compile better-sqlite3 when no prebuilt binary
#   can be downloaded). Installed with apt-get when run as root, through sudo when available (it asks), otherwise
#   the exact command is printed and the script stops.
#   npm packages: `npm ci` from the committed lock file; then `npm run build` (dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'warden setup: %s\n' "$*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))."
  say "install it from your distribution or nodesource, then run this again."
  exit 1
fi

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
for extra in "$@"; do
  dpkg -s "$extra" >/dev/null 2>&1 || missing+=("$extra")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing system packages: ${missing[*]}; install them with your package manager and run this again."
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then
    say "installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    say "Warden needs these system packages: ${missing[*]} (sudo will ask for your password)"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "Warden needs these system packages: ${missing[*]}. As root, run:"
    say "  apt-get update && apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

# better-sqlite3 is compiled when its prebuilt binary cannot be downloaded; node-gyp then needs Node's headers. Use the
# ones this Node installation ships (Debian/nodesource put them in <prefix>/include/node) instead of downloading them,
# so an offline machine can build too.
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
# A local compile of better-sqlite3 leaves ~15 MB of object files and a static library next to the addon; the addon
# is all it loads. Removing them leaves what a prebuilt download installs.
rm -rf node_modules/better-sqlite3/build/Release/obj node_modules/better-sqlite3/build/Release/obj.target \
  node_modules/better-sqlite3/build/Release/.deps node_modules/better-sqlite3/build/Release/sqlite3.a \
  node_modules/better-sqlite3/build/Release/test_extension.node
say "building"
npm run --silent build
