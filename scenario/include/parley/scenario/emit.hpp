// The canonical form of a scenario: every field written, defaults filled. Run manifests embed it,
// and parse_string(to_yaml(s)) == s holds for every valid s (tested).
#pragma once

#include <string>

#include "parley/scenario/scenario.hpp"

namespace parley::scenario {

std::string to_yaml(const Scenario& scenario);

}  // namespace parley::scenario
