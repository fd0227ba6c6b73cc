// Combines the results of the shards of one sharded run (`parley-load --shard i/n`) into the run
// one process would have produced: counts summed, histograms merged exactly, SLOs re-judged.
#pragma once

#include <string>
#include <vector>

#include "parley/error.hpp"
#include "parley/metrics/run_results.hpp"

namespace parley::metrics {

// Shards must share scenario, seed and shard count, and cover indices 0..n-1 exactly once.
// Time series rows are summed per t_s; their per-second percentiles become the maximum over the
// shards (an upper bound: the exact whole-run percentiles are in the merged histograms).
// `names` (e.g. the shard directories) are recorded in manifest.merged_from. SLO targets come from
// the scenario YAML in the manifests. Tool-specific summary extras are not merged ("{}").
Result<RunResults> merge_shards(const std::vector<RunResults>& shards,
                                const std::vector<std::string>& names);

}  // namespace parley::metrics
