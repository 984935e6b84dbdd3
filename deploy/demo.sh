#!/usr/bin/env bash
# Installs what casebot needs, builds it and plays the scripted support day on an
# embedded SQLite database: no Slack account needed.
# Usage (as root on Debian 12): bash deploy/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target casebot
exec ./build/casebot demo
