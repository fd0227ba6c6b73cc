// expand_swarm: see swarm.hpp. One substream of its own, so the swarm does not shift any other
// random choice of the run.
#include "swarm.hpp"

#include <cmath>

#include "substream.hpp"

namespace parley::sim {
namespace {

constexpr std::uint64_t swarm_stream_index = 0x5a4d;

bool hostable(const scenario::Scenario& s, scenario::FaultKind kind) {
  using scenario::FaultKind;
  if (kind == FaultKind::partition) return s.topology.network.zones >= 2;
  if (kind == FaultKind::hot_group) return s.workload.group_share > 0;
  return true;
}

}  // namespace

std::vector<scenario::Fault> expand_swarm(const scenario::Scenario& s, std::uint64_t seed) {
  std::vector<scenario::Fault> out;
  const auto& swarm = s.faults.swarm;
  if (swarm.faults_per_hour <= 0 || swarm.kinds.empty()) return out;
  Random rng = workload::substream(seed, workload::Stream::user_event_attributes, swarm_stream_index);
  const double rate_per_s = swarm.faults_per_hour / 3600;
  double t = 0;
  for (;;) {
    t += -std::log(1 - rng.unit()) / rate_per_s;
    const auto kind = swarm.kinds[rng.uniform(swarm.kinds.size())];
    const double duration = -std::log(1 - rng.unit()) * swarm.mean_duration_s;  // drawn always
    if (t >= s.duration_s) break;
    if (!hostable(s, kind)) continue;
    scenario::Fault fault;
    fault.at_s = std::round(t * 1000) / 1000;
    fault.kind = kind;
    fault.target = scenario::default_target(kind);
    fault.duration_s = kind == scenario::FaultKind::clock_step ? 0 : std::round(duration * 1000) / 1000;
    out.push_back(fault);
  }
  return out;
}

}  // namespace parley::sim
