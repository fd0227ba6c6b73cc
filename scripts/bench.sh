#!/usr/bin/env bash
# Builds everything and runs the full benchmark suite against the committed baseline
# (scripts/bench_compare.py, docs/benchmarks.md); keeps the comparison as JSON under
# results/bench/runs/. Extra arguments go to bench_compare.py, e.g. --quick, --filter 'BM_Group.*'
# or --update-baseline. PARLEY_BENCH_REPETITIONS overrides the repetitions per process run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
mkdir -p results/bench/runs
out="results/bench/runs/$(date -u +%Y%m%dT%H%M%SZ).json"
extra=()
if [ -n "${PARLEY_BENCH_REPETITIONS:-}" ]; then extra+=(--repetitions "$PARLEY_BENCH_REPETITIONS"); fi
status=0
/usr/bin/python3 scripts/bench_compare.py --json-out "$out" "${extra[@]}" "$@" || status=$?
echo "wrote $out"
exit "$status"
