// NetworkFaults: see network_faults.hpp.
#include "network_faults.hpp"

#include <algorithm>

namespace parley::sim {
namespace {

constexpr std::int64_t tcp_min_rto_us = 200'000;  // Linux's minimum retransmission timeout
constexpr std::uint32_t retransmits_max = 15;     // TCP gives up after ~15 (tcp_retries2)

}  // namespace

std::optional<std::size_t> NetworkFaults::cut_between(HostRef a, HostRef b) const {
  if (cuts_.empty() || a == b) return std::nullopt;
  const auto za = zone_of(a), zb = zone_of(b);
  if (za == zb) return std::nullopt;
  if (auto it = cuts_.find(za); it != cuts_.end()) return it->second;
  if (auto it = cuts_.find(zb); it != cuts_.end()) return it->second;
  return std::nullopt;
}

void NetworkFaults::restore(std::size_t fault) {
  std::erase_if(degradations_, [fault](const Degradation& d) { return d.fault == fault; });
}

NetworkFaults::Extra NetworkFaults::extra(HostRef a, HostRef b, Random& rng) const {
  Extra out;
  if (degradations_.empty() || a == b) return out;
  for (const auto& d : degradations_) {
    // A degraded zone's links are crossed once per end that lives in it; "all" counts both ends.
    const int ends = d.zone ? (zone_of(a) == *d.zone) + (zone_of(b) == *d.zone) : 2;
    if (ends == 0) continue;
    std::int64_t cost = static_cast<std::int64_t>(d.latency_ms_add * 1000) * ends / 2;
    for (int e = 0; e < ends && d.loss_rate > 0; ++e) {
      std::uint32_t n = 0;
      while (n < retransmits_max && rng.unit() < d.loss_rate) ++n;
      // Exponential backoff of the RTO: 200, 400, 800 ms ...
      cost += n == 0 ? 0 : tcp_min_rto_us * ((std::int64_t{1} << std::min<std::uint32_t>(n, 20)) - 1);
      out.retransmits += n;
    }
    if (cost > 0 && (!out.fault || cost > out.delay_us)) out.fault = d.fault;
    out.delay_us += cost;
  }
  return out;
}

}  // namespace parley::sim
