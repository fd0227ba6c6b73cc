// Platform: see platform.hpp.
#include "platform.hpp"

#include <simgrid/s4u.hpp>

#include <cmath>
#include <string>

namespace parley::sim {
namespace {

namespace sg4 = simgrid::s4u;

constexpr double core_speed_flops = 1e9;  // the CPU is modelled by the load model, not by flops

}  // namespace

Platform::Platform(sg4::Engine& engine, const scenario::Topology& topology) {
  (void)engine;
  auto* zone = sg4::create_star_zone("parley");
  const double bandwidth = topology.network.datacenter_link_bandwidth_gbps * 1e9 / 8;
  const double half_latency_s = topology.network.datacenter_link_latency_ms / 2 / 1000;
  auto attach = [&](sg4::Host* host, const std::string& name) {
    std::vector<sg4::LinkInRoute> route{
        sg4::LinkInRoute(zone->create_link(name + "-link", bandwidth)->set_latency(half_latency_s)->seal())};
    zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, route, true);
  };
  for (std::size_t k = 0; k < component_count; ++k) {
    const auto kind = static_cast<Component>(k);
    hosts_.emplace_back();
    for (std::uint64_t i = 0; i < hosts_of(topology, kind); ++i) {
      const std::string name = std::string(to_string(kind)) + "-" + std::to_string(i);
      auto* host = zone->create_host(name, core_speed_flops)
                       ->set_core_count(static_cast<int>(cores_of(topology, kind)))
                       ->seal();
      attach(host, name);
      hosts_.back().push_back(host);
    }
  }
  control_ = zone->create_host("control", core_speed_flops)->seal();
  attach(control_, "control");
  zone->seal();
}

sg4::Host* Platform::host(HostRef ref) const {
  return hosts_.at(static_cast<std::size_t>(ref.kind)).at(ref.index);
}

bool Platform::is_on(HostRef ref) const { return host(ref)->is_on(); }
void Platform::turn_off(HostRef ref) { host(ref)->turn_off(); }
void Platform::turn_on(HostRef ref) { host(ref)->turn_on(); }

std::int64_t Platform::latency_us(HostRef from, HostRef to) {
  if (from == to) return 0;
  auto [it, fresh] = latency_cache_.try_emplace({from, to}, 0);
  if (fresh) {
    std::vector<sg4::Link*> links;
    double latency_s = 0;
    host(from)->route_to(host(to), links, &latency_s);
    it->second = static_cast<std::int64_t>(std::llround(latency_s * 1e6));
  }
  return it->second;
}

std::uint64_t Platform::total_hosts() const {
  std::uint64_t n = 1;
  for (const auto& kind : hosts_) n += kind.size();
  return n;
}

}  // namespace parley::sim
