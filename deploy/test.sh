#!/usr/bin/env bash
# Installs what casebot needs, builds it and runs every test.
# Usage (as root on Debian 12): bash deploy/test.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
build=${1:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
