#!/usr/bin/env bash
# Installs what parley needs, builds it, and runs the main job: the seed design's evening peak
# (500 M daily users, 200 M connections, 1.5 M msg/s, scenarios/seed-peak.yaml) simulated by
# parley-sim, ending with its capacity answer. By default 20 simulated seconds (about a minute on
# 2 cores); `--full` runs the scenario's full 60 s. Other arguments go to `parley-sim run`, e.g.
#   ./scripts/run.sh --set topology.gateways.count=4000 --set topology.gateways.connections_each=50000
# Exit status: 0 when the hosts suffice and every SLO and the checker pass, 1 when not, 2 on bad input.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
length=(--set duration_s=20 --grace-s 5)
if [ "${1:-}" = "--full" ]; then
  shift
  length=()
fi
exec build/sim/parley-sim run scenarios/seed-peak.yaml "${length[@]}" "$@"
