#!/usr/bin/env bash
# Installs every Debian 12 package casebot needs to build, test and run.
# Idempotent; run as root (or through sudo). Usage: deploy/setup.sh
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates tzdata
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libspdlog-dev libfmt-dev doctest-dev libtomlplusplus-dev libhowardhinnant-date-dev
  libsqlite3-dev sqlite3 libssl-dev openssl libtcmalloc-minimal4
  curl wrk
)

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo "$0" "$@"; fi
  echo "deploy/setup.sh: run as root (apt-get needs it)" >&2
  exit 1
fi

# Only what is missing is installed, after an apt-get update; a machine that has
# everything is left alone.
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
