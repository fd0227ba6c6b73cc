// Internal: applies `key.path=value` overrides to the YAML tree before typed parsing, and returns
// where each one landed so later diagnostics under that path name the override, not a file line.
#pragma once

#include <yaml-cpp/yaml.h>

#include "parley/error.hpp"
#include "parley/scenario/parse.hpp"
#include "reader.hpp"

namespace parley::scenario::detail {

// `root` may be null (an empty document); it becomes a mapping. Errors name the override text.
Result<OverrideOrigins> apply_overrides(YAML::Node& root, const Overrides& overrides);

}  // namespace parley::scenario::detail
