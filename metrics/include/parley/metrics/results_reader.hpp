// Reads a run directory written by results_writer (by this or another process, e.g. one shard of
// a sharded parley-load run) back into plain structs; every problem names the file.
#pragma once

#include <string>

#include "parley/error.hpp"
#include "parley/metrics/histogram.hpp"
#include "parley/metrics/run_results.hpp"

namespace parley::metrics {

Result<Manifest> read_manifest(const std::string& dir);
Result<Summary> read_summary(const std::string& dir);
Result<Histogram> read_histogram(const std::string& dir, const std::string& name);
Result<std::vector<TimeseriesRow>> read_timeseries(const std::string& dir);
// All of it; every histograms/*.json is loaded, keyed by its stem.
Result<RunResults> read_run(const std::string& dir);

}  // namespace parley::metrics
