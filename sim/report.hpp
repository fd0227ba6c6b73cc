// From a SimulationResult to the run directory (results/README.md): summary with counts, the
// sample's latency percentiles and SLO verdicts; extra figures (capacity verdict, cost, per-fault
// effects, checker) in summary.extra; histograms; timeseries.csv; utilisation.csv per component.
#pragma once

#include <string>

#include "calibration.hpp"
#include "parley/metrics/run_results.hpp"
#include "simulation.hpp"

namespace parley::sim {

struct Report {
  metrics::Summary summary;
  bool checker_passed = true;
  std::string capacity_line;  // one line for the terminal
};

Report make_report(const scenario::Scenario& scenario, const Calibration& calibration,
                   const SimulationResult& result, bool checker_on);
// Writes manifest, summary, histograms, timeseries.csv and utilisation.csv.
metrics::Status write_report(const std::string& dir, const metrics::Manifest& manifest,
                             const Report& report, const SimulationResult& result);

}  // namespace parley::sim
