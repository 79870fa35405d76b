#!/usr/bin/env bash
# System packages the tests need beyond npm. Nothing yet: browser tests will
# add Debian's chromium here (apt-get; no network but the Debian registry).
set -euo pipefail
exit 0
