#!/usr/bin/env bash
# Installs what parley needs, builds it, and runs the main job on the embedded default: a seeded
# simulation of one parley node with simulated clients, every message checked end to end.
# Arguments go to parley-sim (see: build/sim/parley-sim --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/sim/parley-sim "$@"
