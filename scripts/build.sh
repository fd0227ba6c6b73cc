#!/usr/bin/env bash
# Configures (once) and builds every parley target in build/ with Ninja and ccache.
# Extra arguments are passed to CMake's configure step, e.g. -DCMAKE_BUILD_TYPE=Debug.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
if [ ! -f build/build.ninja ] || [ $# -gt 0 ]; then
  cmake -S . -B build -G Ninja "$@" >/dev/null
fi
# Two jobs per core would thrash memory on Beast translation units; one per core is the sweet spot.
cmake --build build -j "$(nproc)"
