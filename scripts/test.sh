#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs what the tests need (scripts/install-deps.sh), runs the
# format/lint/type checks, then every test (unit, contract, end-to-end with real bubblewrap, SQLite and HTTP).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
node bin/warden.js model engine install --dir engine # the optional embedded engine for its tests (a no-op when present)
npm run --silent check
results=$(mktemp /tmp/warden-test-results.XXXXXX.json)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) process.exit(1);
' "$results" || status=1
rm -f "$results"
exit "$status"
