#!/usr/bin/env bash
# System packages the tests need beyond npm: Debian's chromium for the
# browser tests (playwright-core drives it; no browser download is possible).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium (apt-get)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
