// The seeded random fault swarm of a scenario (faults.swarm): a Poisson process of faults over the
// run, each of a kind drawn uniformly from the swarm's kinds, on the kind's default target ("any"
// of its hosts, picked from the seed when injected), lasting Exp(mean_duration_s). Kinds the
// topology cannot host (a partition with one zone, a hot group without groups) are skipped.
#pragma once

#include <cstdint>
#include <vector>

#include "parley/scenario/scenario.hpp"

namespace parley::sim {

std::vector<scenario::Fault> expand_swarm(const scenario::Scenario& scenario, std::uint64_t seed);

}  // namespace parley::sim
