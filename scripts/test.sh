#!/usr/bin/env bash
# Installs everything the tests need, then runs all checks and tests.
# Ends with one line "N passed, M failed" counted from the runners' JSON
# reports; exits non-zero if any check or test failed or no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."

export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true \
  WRANGLER_SEND_ERROR_REPORTS=false NO_UPDATE_NOTIFIER=1

step() { printf '\n== %s\n' "$*"; }
status=0

# npm ci only when the lockfile changed since the last install (fast reruns).
if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null && [ ! -f node_modules/.installed-from-lock ] ||
  ! cmp -s package-lock.json node_modules/.installed-from-lock 2>/dev/null; then
  step "install (npm ci)"
  npm ci --no-audit --no-fund || exit 1
  cp package-lock.json node_modules/.installed-from-lock
  # The root's postinstall installed the extension from its own lockfile too.
  cp raycast-extension/package-lock.json raycast-extension/node_modules/.installed-from-lock
fi
# The Raycast extension is its own package (the store installs it alone from its own lockfile).
if ! cmp -s raycast-extension/package-lock.json raycast-extension/node_modules/.installed-from-lock 2>/dev/null; then
  step "install raycast-extension (npm ci)"
  (cd raycast-extension && npm ci --no-audit --no-fund) || exit 1
  cp raycast-extension/package-lock.json raycast-extension/node_modules/.installed-from-lock
fi
bash scripts/install-test-deps.sh || exit 1

step "typecheck"
npm run --silent typecheck || status=1

step "lint"
npx eslint . || status=1
# The Raycast extension lints with Raycast's own config (ray lint needs the network).
(cd raycast-extension && npx eslint .) || status=1
npx prettier --check . >/dev/null || { npx prettier --list-different .; status=1; }

rm -rf reports && mkdir -p reports
step "raycast extension alone (copy of the folder: npm ci, ray build, its tests)"
bash scripts/raycast-standalone.sh reports/raycast-standalone.json || status=1

step "tests"
npx vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json || status=1

node scripts/summarize-reports.mjs reports || status=1
exit "$status"
