// The simulated deployment's hosts, built in code with SimGrid S4U from the scenario's topology:
// one star zone in which every host hangs on its own link (half the datacenter link latency), so
// any two hosts are one datacenter hop apart (zones are not modelled yet). SimGrid owns host state
// (on/off) and the route latencies; the traced sample asks it.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "load_model.hpp"
#include "parley/scenario/topology.hpp"

namespace simgrid::s4u {
class Host;
class Engine;
}  // namespace simgrid::s4u

namespace parley::sim {

struct HostRef {
  Component kind = Component::gateway;
  std::uint32_t index = 0;
  bool operator<(const HostRef& o) const {
    return kind != o.kind ? kind < o.kind : index < o.index;
  }
  bool operator==(const HostRef&) const = default;
};

class Platform {
 public:
  // Creates the zone, hosts and links in `engine` (which must not have a platform yet).
  Platform(simgrid::s4u::Engine& engine, const scenario::Topology& topology);

  std::uint64_t count(Component kind) const { return hosts_[static_cast<std::size_t>(kind)].size(); }
  simgrid::s4u::Host* host(HostRef ref) const;
  simgrid::s4u::Host* control_host() const { return control_; }  // runs the driver, never fails
  bool is_on(HostRef ref) const;
  void turn_off(HostRef ref);
  void turn_on(HostRef ref);
  // One-way latency between two hosts in µs, from SimGrid's route (cached per pair).
  std::int64_t latency_us(HostRef from, HostRef to);
  std::uint64_t total_hosts() const;

 private:
  std::vector<std::vector<simgrid::s4u::Host*>> hosts_;
  simgrid::s4u::Host* control_ = nullptr;
  std::map<std::pair<HostRef, HostRef>, std::int64_t> latency_cache_;
};

}  // namespace parley::sim
