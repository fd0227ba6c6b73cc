#!/usr/bin/env bash
# Builds and runs the core microbenchmarks; writes results/bench/core-<date>.json and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
mkdir -p results/bench
out="results/bench/core-$(date -u +%Y%m%dT%H%M%SZ).json"
build/bench/parley_core_bench --benchmark_out="$out" --benchmark_out_format=json \
  --benchmark_repetitions="${PARLEY_BENCH_REPETITIONS:-5}" --benchmark_report_aggregates_only=true "$@"
echo "wrote $out"
