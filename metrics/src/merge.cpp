// See merge.hpp.
#include "parley/metrics/merge.hpp"

#include <algorithm>
#include <map>

#include "parley/metrics/summary.hpp"
#include "parley/scenario/parse.hpp"

namespace parley::metrics {
namespace {

Error bad(const std::string& message) {
  return Error{ErrorCode::invalid_value, "merge: " + message};
}

std::optional<Error> check_compatible(const std::vector<RunResults>& shards) {
  if (shards.empty()) return bad("no shards");
  const Manifest& first = shards.front().manifest;
  std::vector<bool> seen(first.shard_count, false);
  for (const auto& shard : shards) {
    const Manifest& m = shard.manifest;
    if (m.scenario_yaml != first.scenario_yaml || m.seed != first.seed ||
        m.shard_count != first.shard_count) {
      return bad("shards differ in scenario, seed or shard count");
    }
    if (m.shard_index >= m.shard_count || seen[m.shard_index]) {
      return bad("shard index " + std::to_string(m.shard_index) + " is out of range or repeated");
    }
    seen[m.shard_index] = true;
  }
  if (shards.size() != first.shard_count) {
    return bad("have " + std::to_string(shards.size()) + " of " +
               std::to_string(first.shard_count) + " shards");
  }
  return std::nullopt;
}

std::vector<TimeseriesRow> merge_timeseries(const std::vector<RunResults>& shards) {
  std::map<double, TimeseriesRow> by_second;
  for (const auto& shard : shards) {
    for (const auto& row : shard.timeseries) {
      TimeseriesRow& into = by_second.try_emplace(row.t_s, TimeseriesRow{row.t_s}).first->second;
      into.sends += row.sends;
      into.acks += row.acks;
      into.deliveries += row.deliveries;
      into.errors += row.errors;
      into.connections += row.connections;
      into.typing += row.typing;
      into.history_reads += row.history_reads;
      into.searches += row.searches;
      into.ack_p50_us = std::max(into.ack_p50_us, row.ack_p50_us);
      into.ack_p99_us = std::max(into.ack_p99_us, row.ack_p99_us);
      into.delivery_p50_us = std::max(into.delivery_p50_us, row.delivery_p50_us);
      into.delivery_p99_us = std::max(into.delivery_p99_us, row.delivery_p99_us);
    }
  }
  std::vector<TimeseriesRow> rows;
  for (const auto& [t, row] : by_second) rows.push_back(row);
  return rows;
}

}  // namespace

Result<RunResults> merge_shards(const std::vector<RunResults>& shards,
                                const std::vector<std::string>& names) {
  if (auto problem = check_compatible(shards)) return *problem;
  const auto scenario = scenario::parse_string(shards.front().manifest.scenario_yaml, "manifest");
  if (!scenario) return bad("the manifest's scenario does not parse: " + scenario.error().message);
  RunResults merged;
  merged.manifest = shards.front().manifest;
  merged.manifest.shard_index = 0;
  merged.manifest.shard_count = 1;
  merged.manifest.merged_from = names;
  Counts counts;
  double duration_s = 0;
  for (const auto& shard : shards) {
    counts += shard.summary.counts;
    duration_s = std::max(duration_s, shard.summary.duration_s);
    for (const auto& [name, histogram] : shard.histograms) merged.histograms[name].merge(histogram);
  }
  merged.summary = make_summary(duration_s, counts, merged.histograms, scenario.value().slos);
  merged.timeseries = merge_timeseries(shards);
  return merged;
}

}  // namespace parley::metrics
