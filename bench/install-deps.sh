#!/usr/bin/env bash
# System packages the bench needs beyond npm: Debian's sqlite3 program for the durable floor's
# inbox (bench/floor-sqlite.ts says why a separate program).
set -euo pipefail
bash "$(dirname "$0")/../scripts/apt-ensure.sh" /usr/bin/sqlite3 sqlite3
