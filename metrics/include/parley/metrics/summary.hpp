// From raw measurements to the verdict: histogram → percentiles, counts + latencies → SLO verdicts
// (the scenario's slos section) → pass/fail. Shared so both tools judge a run the same way.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "parley/metrics/histogram.hpp"
#include "parley/metrics/run_results.hpp"
#include "parley/scenario/scenario.hpp"

namespace parley::metrics {

LatencySummary summarize(const Histogram& histogram);

// One verdict per scenario SLO, in the order p99_delivery_ms, p99_ack_ms, zero_loss,
// max_error_rate. Latency targets are compared in milliseconds; an SLO with nothing to measure
// (no deliveries yet) passes on that figure, since loss is judged by zero_loss.
std::vector<SloVerdict> evaluate_slos(const scenario::Slos& slos, const Counts& counts,
                                      const LatencySummary& ack, const LatencySummary& delivery);

// Summary of a run: latency summaries of every histogram, verdicts from the "ack" and "delivery"
// histograms (empty if absent), pass = every verdict passes.
Summary make_summary(double duration_s, const Counts& counts,
                     const std::map<std::string, Histogram>& histograms,
                     const scenario::Slos& slos);

}  // namespace parley::metrics
