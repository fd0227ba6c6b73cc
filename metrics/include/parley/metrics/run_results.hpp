// The results of one run, as parley-load and parley-sim write them to a run directory
// (results/README.md; schemas in results/schema/). Plain data: the caller passes in everything
// the library cannot know without a clock or the environment (start time, host, git revision).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "parley/metrics/histogram.hpp"

namespace parley::metrics {

inline constexpr int results_format_version = 1;

struct Manifest {
  std::string tool;            // "parley-load", "parley-sim"
  std::string tool_version;
  std::string scenario_name;
  std::string scenario_yaml;   // scenario::to_yaml of the resolved scenario
  std::uint64_t seed = 0;
  std::vector<std::string> overrides;     // the --set key=value strings, in order
  std::vector<std::string> command_line;
  std::string git_revision;
  std::string host;            // free text: CPU, cores, memory, kernel
  std::string started_at;      // RFC 3339 UTC, e.g. 2026-01-01T00:00:00Z
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;  // a merged run has count 1 and lists its parts in `merged_from`
  std::vector<std::string> merged_from;
  bool operator==(const Manifest&) const = default;
};

// Every message accounted for, per recipient device (DESIGN.md §4: verify what you measure).
struct Counts {
  std::uint64_t sent = 0;        // sends performed (each at its planned time)
  std::uint64_t acked = 0;       // sends acknowledged by the server
  std::uint64_t delivered = 0;   // (message, recipient device) pairs delivered once
  std::uint64_t duplicated = 0;  // extra deliveries after the protocol's dedup
  std::uint64_t reordered = 0;   // deliveries out of per-conversation order
  std::uint64_t missing = 0;     // expected deliveries absent after the grace period
  std::uint64_t errors = 0;      // error frames, failed connects, timeouts
  Counts& operator+=(const Counts& other);
  bool operator==(const Counts&) const = default;
};

// A histogram reduced to the figures a report shows, in microseconds.
struct LatencySummary {
  std::uint64_t count = 0;
  std::uint64_t min_us = 0;
  double mean_us = 0;
  std::uint64_t p50_us = 0;
  std::uint64_t p90_us = 0;
  std::uint64_t p99_us = 0;
  std::uint64_t p999_us = 0;
  std::uint64_t p9999_us = 0;
  std::uint64_t max_us = 0;
  bool operator==(const LatencySummary&) const = default;
};

struct SloVerdict {
  std::string name;     // the scenario field: p99_delivery_ms, p99_ack_ms, zero_loss, max_error_rate
  double target = 0;
  double observed = 0;
  bool pass = true;
  bool operator==(const SloVerdict&) const = default;
};

struct Summary {
  double duration_s = 0;
  Counts counts;
  std::map<std::string, LatencySummary> latency;  // "ack", "delivery", "fanout_skew", ...
  std::vector<SloVerdict> slos;
  bool pass = true;
  std::string extra_json = "{}";  // a JSON object of tool-specific figures (sim: cost, utilisation)
  bool operator==(const Summary&) const = default;
};

// One row per second of the run (timeseries.csv). Percentiles are of that second alone.
struct TimeseriesRow {
  double t_s = 0;
  std::uint64_t sends = 0;
  std::uint64_t acks = 0;
  std::uint64_t deliveries = 0;
  std::uint64_t errors = 0;
  std::uint64_t connections = 0;  // open at the end of the second
  std::uint64_t ack_p50_us = 0;
  std::uint64_t ack_p99_us = 0;
  std::uint64_t delivery_p50_us = 0;
  std::uint64_t delivery_p99_us = 0;
  // Non-message traffic of the workload (typing indicators sent, history reads, searches); optional
  // trailing columns: files written before they existed read as 0.
  std::uint64_t typing = 0;
  std::uint64_t history_reads = 0;
  std::uint64_t searches = 0;
  bool operator==(const TimeseriesRow&) const = default;
};

struct RunResults {
  Manifest manifest;
  Summary summary;
  std::map<std::string, Histogram> histograms;  // histograms/<name>.json
  std::vector<TimeseriesRow> timeseries;
};

}  // namespace parley::metrics
