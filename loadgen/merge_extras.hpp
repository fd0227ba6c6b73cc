// parley-load's own summary figures (summary.json "extra") added up over shards, so a merged run
// keeps expected_deliveries, redelivered, error codes and the rest (parley_metrics leaves
// tool-specific extras to the tool).
#pragma once

#include <string>
#include <vector>

namespace parley::load {

// Numbers are summed key by key, nested objects likewise; anything unreadable is skipped.
std::string sum_extras(const std::vector<std::string>& extras_json);

}  // namespace parley::load
