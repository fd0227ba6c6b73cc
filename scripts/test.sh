#!/usr/bin/env bash
# Installs what parley needs (Debian 12 packages), builds everything, and runs the whole test
# suite: unit and server tests, the bounded fuzz run, the Python tests and the end-to-end run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600
