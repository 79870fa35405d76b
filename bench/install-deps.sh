#!/usr/bin/env bash
# System packages the bench needs beyond npm: Debian's sqlite3 program for the durable floor's
# inbox (bench/floor-sqlite.ts says why a separate program).
set -euo pipefail
if [ ! -x /usr/bin/sqlite3 ]; then
  echo "installing sqlite3 (apt-get)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq sqlite3 >/dev/null
fi
