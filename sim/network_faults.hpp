// The datacenter network's fault state: hosts spread round-robin over the scenario's zones, zones
// cut off by partitions, links degraded (added latency, packet loss, less bandwidth). Deployment
// asks it for every host-to-host crossing; clients' access links are outside it (a partition cuts
// zones apart, not the internet from a zone). Each answer names the fault responsible, so the
// report can say what each fault did. Bandwidth only matters on a degraded link: each host's link
// carries the bulk's datacenter traffic (LoadModel::link_bits_per_s), and with its capacity cut to
// bandwidth_factor × the scenario's link bandwidth it queues like an M/M/1 server of envelopes,
// or, above capacity, builds a fluid backlog that drains once the fault ends.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "parley/random.hpp"
#include "platform.hpp"

namespace parley::sim {

class NetworkFaults {
 public:
  NetworkFaults(std::uint32_t zones, double link_bandwidth_gbps)
      : zones_(zones == 0 ? 1 : zones), link_bits_per_s_(link_bandwidth_gbps * 1e9) {}

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
    double bandwidth_factor = 1;  // share of the link's bandwidth left
    std::int64_t until_us = 0;    // when the link gets its bandwidth back
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
  // A degraded bandwidth adds the envelope's wait at each degraded end's link, at most until the
  // link gets its bandwidth back (what is queued then drains at full speed).
  Extra extra(HostRef a, HostRef b, Random& rng, std::int64_t now_us) const;

  // The bulk's datacenter traffic per host link of each component for the coming second
  // (bits/s) and one envelope's size; advances each bandwidth-degraded link's backlog by the
  // second that ended. Called once a second.
  void set_link_load(const std::array<double, component_count>& bits_per_s, double envelope_bits);
  struct LinkPeak {
    double utilisation = 0;   // offered traffic / degraded capacity, worst host link
    double backlog_ms = 0;    // fluid backlog when above capacity
    double capacity_gbps = 0;
  };
  // What a bandwidth degradation did to its links, at its worst (empty if it never cut bandwidth).
  std::optional<LinkPeak> link_peak(std::size_t fault) const;

 private:
  struct LinkState {
    double utilisation = 0;
    double backlog_s = 0;
  };
  // The wait of one envelope at a degraded host link of `kind` (M/M/1 below capacity).
  std::int64_t link_wait_us(const Degradation& d, Component kind, Random& rng) const;
  const LinkState* link(std::size_t fault, Component kind) const;

  std::uint32_t zones_;
  double link_bits_per_s_;
  double envelope_bits_ = 1;
  std::array<double, component_count> load_bits_per_s_{};
  std::map<std::uint32_t, std::size_t> cuts_;  // zone → partition fault
  std::vector<Degradation> degradations_;
  std::map<std::pair<std::size_t, Component>, LinkState> links_;  // bandwidth-degraded links
  std::map<std::size_t, LinkPeak> peaks_;
};

}  // namespace parley::sim
