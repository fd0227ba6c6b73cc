// Histogram ⇄ JSON, compact (only non-empty buckets, each as [lowest value, count]) and exact, so
// shard results merge as if one process had recorded everything (results/README.md).
#pragma once

#include <string>
#include <string_view>

#include "parley/error.hpp"
#include "parley/metrics/histogram.hpp"

namespace parley::metrics {

std::string to_json(const Histogram& histogram);
// Rejects another layout, a bucket bound that is not a bucket's lowest value, or counts that do
// not add up, with a message naming the problem.
Result<Histogram> histogram_from_json(std::string_view text);

}  // namespace parley::metrics
