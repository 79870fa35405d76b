#!/usr/bin/env bash
# Builds and tests raycast-extension/ as the Raycast store sees it: a copy of
# that folder alone (its own lockfile, nothing from the repository around it),
# then `npm ci`, `ray build -e dist` (which type-checks) and its own tests.
# Needs the npm registry. With a path argument, writes the tests' JSON report there.
set -euo pipefail
cd "$(dirname "$0")/.."
report=${1:+$(realpath -m "$1")}
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
tar -C raycast-extension --exclude=node_modules --exclude=dist --exclude=raycast-env.d.ts -cf - . | tar -C "$copy" -xf -
cd "$copy"
npm ci --no-audit --no-fund --prefer-offline
npx ray build -e dist -o "$copy/.build" --non-interactive
if [ -n "$report" ]; then
  npx vitest run --reporter=default --reporter=json --outputFile.json="$report"
else
  npx vitest run
fi
