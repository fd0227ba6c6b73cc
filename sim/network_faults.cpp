// NetworkFaults: see network_faults.hpp.
#include "network_faults.hpp"

#include <algorithm>
#include <cmath>

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
  // Its links get their bandwidth back: a backlog left on them drains at the next envelopes
  // (their wait is computed from the state at the time), so it is dropped here with the fault.
  std::erase_if(degradations_, [fault](const Degradation& d) { return d.fault == fault; });
  std::erase_if(links_, [fault](const auto& entry) { return entry.first.first == fault; });
}

void NetworkFaults::set_link_load(const std::array<double, component_count>& bits_per_s, double envelope_bits) {
  load_bits_per_s_ = bits_per_s;
  envelope_bits_ = std::max(envelope_bits, 1.0);
  for (const auto& d : degradations_) {
    if (d.bandwidth_factor >= 1) continue;
    const double capacity = link_bits_per_s_ * d.bandwidth_factor;
    auto& peak = peaks_[d.fault];
    peak.capacity_gbps = capacity / 1e9;
    for (std::size_t k = 0; k < component_count; ++k) {
      auto& state = links_[{d.fault, static_cast<Component>(k)}];
      // The second that ended: its backlog grew by the excess over capacity, or drained.
      state.backlog_s = std::max(0.0, state.backlog_s + state.utilisation - 1);
      state.utilisation = bits_per_s[k] / capacity;
      peak.utilisation = std::max(peak.utilisation, state.utilisation);
      peak.backlog_ms = std::max(peak.backlog_ms, state.backlog_s * 1000);
    }
  }
}

std::optional<NetworkFaults::LinkPeak> NetworkFaults::link_peak(std::size_t fault) const {
  auto it = peaks_.find(fault);
  if (it == peaks_.end()) return std::nullopt;
  return it->second;
}

const NetworkFaults::LinkState* NetworkFaults::link(std::size_t fault, Component kind) const {
  auto it = links_.find({fault, kind});
  return it == links_.end() ? nullptr : &it->second;
}

// Serialisation at the degraded capacity, plus the queue: M/M/1 below capacity (no wait with
// probability 1 − ρ, else Exp(μ − λ)); above it, the fluid backlog plus a full queue's wait.
std::int64_t NetworkFaults::link_wait_us(const Degradation& d, Component kind, Random& rng) const {
  const double capacity = link_bits_per_s_ * d.bandwidth_factor;
  const double service_s = envelope_bits_ / capacity;
  const LinkState* state = link(d.fault, kind);
  const double rho = state != nullptr ? state->utilisation : load_bits_per_s_[static_cast<std::size_t>(kind)] / capacity;
  const double backlog_s = state != nullptr ? state->backlog_s : 0;
  double wait_s = service_s + backlog_s;
  const double u = rng.unit();
  constexpr double rho_max = 0.99;  // a saturated queue's wait, beyond which the backlog counts
  const double r = std::min(rho, rho_max);
  if (u < r) wait_s += -std::log(1 - rng.unit()) * service_s / (1 - r);
  return static_cast<std::int64_t>(std::min(wait_s, 1e6) * 1e6);  // the caller caps it anyway
}

NetworkFaults::Extra NetworkFaults::extra(HostRef a, HostRef b, Random& rng, std::int64_t now_us) const {
  Extra out;
  if (degradations_.empty() || a == b) return out;
  for (const auto& d : degradations_) {
    // A degraded zone's links are crossed once per end that lives in it; "all" counts both ends.
    const int ends = d.zone ? (zone_of(a) == *d.zone) + (zone_of(b) == *d.zone) : 2;
    if (ends == 0) continue;
    std::int64_t cost = static_cast<std::int64_t>(d.latency_ms_add * 1000) * ends / 2;
    if (d.bandwidth_factor < 1) {
      // Both ends' queues, but never past the link's recovery: what is queued then drains at
      // full speed.
      const bool all = !d.zone;
      std::int64_t wait = 0;
      if (all || zone_of(a) == *d.zone) wait += link_wait_us(d, a.kind, rng);
      if (all || zone_of(b) == *d.zone) wait += link_wait_us(d, b.kind, rng);
      cost += std::min(wait, std::max<std::int64_t>(d.until_us - now_us, 0) + 1);
    }
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
