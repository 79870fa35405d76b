#!/usr/bin/env bash
# System packages the tests need beyond npm: Debian's chromium for the
# browser tests (playwright-core drives it; no browser download is possible).
set -euo pipefail
bash "$(dirname "$0")/apt-ensure.sh" /usr/bin/chromium chromium
