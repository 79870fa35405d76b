#!/usr/bin/env bash
# Installs a Debian package when its program is missing: apt-ensure.sh <program path> <package>.
# Tests and the bench need a few system programs beyond npm; no other download is possible here.
set -euo pipefail
program=$1 package=$2
if [ ! -x "$program" ]; then
  echo "installing $package (apt-get)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$package" >/dev/null
fi
