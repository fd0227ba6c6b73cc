// The datacenter network's fault state: hosts spread round-robin over the scenario's zones, zones
// cut off by partitions, links degraded (added latency, packet loss). Deployment asks it for every
// host-to-host crossing; clients' access links are outside it (a partition cuts zones apart, not
// the internet from a zone). Each answer names the fault responsible, so the report can say what
// each fault did.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "parley/random.hpp"
#include "platform.hpp"

namespace parley::sim {

class NetworkFaults {
 public:
  explicit NetworkFaults(std::uint32_t zones) : zones_(zones == 0 ? 1 : zones) {}

  std::uint32_t zones() const { return zones_; }
  // Per kind, host i lives in zone i mod zones (the scenario's "round-robin over zones").
  std::uint32_t zone_of(HostRef host) const { return host.index % zones_; }

  void cut(std::uint32_t zone, std::size_t fault) { cuts_[zone] = fault; }
  void heal(std::uint32_t zone) { cuts_.erase(zone); }
  // The partition fault separating a and b, if any.
  std::optional<std::size_t> cut_between(HostRef a, HostRef b) const;

  struct Degradation {
    std::optional<std::uint32_t> zone;  // nullopt: every link
    double latency_ms_add = 0;
    double loss_rate = 0;
    std::size_t fault = 0;
  };
  void degrade(const Degradation& d) { degradations_.push_back(d); }
  void restore(std::size_t fault);

  struct Extra {
    std::int64_t delay_us = 0;
    std::uint32_t retransmits = 0;
    std::optional<std::size_t> fault;  // the degradation that cost the most on this crossing
  };
  // Extra one-way delay of a crossing from a to b over degraded links: the added latency of each
  // degraded end, and for packet loss TCP's retransmission after its minimum timeout (200 ms),
  // repeated while the retransmission is lost too. The envelope is never lost: TCP delivers it.
  Extra extra(HostRef a, HostRef b, Random& rng) const;

 private:
  std::uint32_t zones_;
  std::map<std::uint32_t, std::size_t> cuts_;  // zone → partition fault
  std::vector<Degradation> degradations_;
};

}  // namespace parley::sim
