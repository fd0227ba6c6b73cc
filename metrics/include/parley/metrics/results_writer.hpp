// Writes a run directory (results/README.md): manifest.json, summary.json, histograms/<name>.json
// and timeseries.csv. Each file is written to a temporary name and renamed, so a reader never
// sees half a file. Nothing here reads a clock: the manifest carries what the caller passes in.
#pragma once

#include <string>

#include "parley/metrics/histogram.hpp"
#include "parley/metrics/run_results.hpp"
#include "parley/metrics/status.hpp"

namespace parley::metrics {

// Creates `dir` (and its parents) if needed.
Status create_run_dir(const std::string& dir);
Status write_manifest(const std::string& dir, const Manifest& manifest);
// Rejects extra_json that is not a JSON object.
Status write_summary(const std::string& dir, const Summary& summary);
// `name` is [a-z0-9_-]+ (it becomes histograms/<name>.json).
Status write_histogram(const std::string& dir, const std::string& name, const Histogram& histogram);
// The whole series at once; TimeseriesWriter (timeseries_csv.hpp) appends as a run goes.
Status write_timeseries(const std::string& dir, const std::vector<TimeseriesRow>& rows);
// Everything above, in that order.
Status write_run(const std::string& dir, const RunResults& results);

}  // namespace parley::metrics
