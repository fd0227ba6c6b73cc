// SampleClients, the sample's faults and own activity: a gateway crash's and a storm's dropped
// connections, and the churn, history reads and searches of the shared user-event planner.
#include <algorithm>

#include "sample_clients.hpp"

namespace parley::sim {
namespace {

namespace pr = protocol;

constexpr TimeUs churn_away_us = 1'000'000;  // a churn reconnect stays away this long (as parley-load)
constexpr std::uint32_t history_page = 50;
constexpr std::uint32_t search_limit = 20;

}  // namespace

void SampleClients::start_fault(std::size_t fault) {
  if (faults_.size() <= fault) faults_.resize(fault + 1);
  if (fault_at_us_.size() <= fault) fault_at_us_.resize(fault + 1);
  fault_at_us_[fault] = calendar_->now_us();
}

// Counts `device` as affected by `fault` (its reconnect is counted there once it authenticates).
void SampleClients::hit(std::uint32_t device, std::size_t fault) {
  ++faults_[fault].affected_devices;
  if (fault_[device] >= 0) ++faults_[static_cast<std::size_t>(fault_[device])].superseded;
  fault_[device] = static_cast<std::int32_t>(fault);
}

void SampleClients::gateway_crashed(std::uint32_t gw, std::size_t fault) {
  start_fault(fault);
  for (std::uint32_t d = 0; d < user_of_.size(); ++d) {
    if (gateway_[d] != gw || state_[d] == State::offline) continue;
    hit(d, fault);
    const auto session = session_[d];
    calendar_->after(access_latency_us_[d], [this, d, session] {  // the reset reaches the client
      if (session_[d] == session) disconnected(d);
    });
  }
}

void SampleClients::user_event(workload::UserEventKind kind, std::uint32_t user, Random& rng) {
  if (user + 1 >= first_device_.size()) return;
  std::vector<std::uint32_t> online;
  for (auto d = first_device_[user]; d < first_device_[user + 1]; ++d) {
    if (state_[d] == State::online) online.push_back(d);
  }
  if (online.empty()) return;  // nobody to do it (offline, reconnecting)
  switch (kind) {
    case workload::UserEventKind::reconnect:
      for (const auto d : online) {
        leave(d, churn_away_us);
        ++user_events_.churn_reconnects;
      }
      break;
    case workload::UserEventKind::history_read: {
      const auto device = online[rng.uniform(online.size())];
      const auto& known = position_[device];
      if (known.empty()) return;
      auto it = known.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(rng.uniform(known.size())));
      to_server(device, pr::History{"h", it->first, MessageId{}, history_page});
      ++user_events_.history_sent;
      break;
    }
    case workload::UserEventKind::search:
      to_server(online[rng.uniform(online.size())], pr::Search{"q", "traced", ConversationId{}, search_limit});
      ++user_events_.searches_sent;
      break;
  }
}

// The client closes its connection itself (the gateway sees the close after the access latency,
// as a WebSocket close or a reset) and comes back at its drawn time, without backoff: the gateway
// is up. A device still connecting is left alone.
void SampleClients::storm(std::optional<std::uint32_t> gw, double fraction, TimeUs window_us,
                          std::size_t fault, Random& rng) {
  start_fault(fault);
  for (std::uint32_t d = 0; d < user_of_.size(); ++d) {
    if (state_[d] != State::online || (gw && gateway_[d] != *gw)) continue;
    const double draw = rng.unit();
    const auto back_after = static_cast<TimeUs>(rng.uniform(static_cast<std::uint64_t>(window_us) + 1));
    if (draw >= fraction) continue;
    hit(d, fault);
    leave(d, back_after);
  }
}

// The client closes its connection (the gateway sees the close after the access latency, as a
// WebSocket close) and connects again after `back_after_us`.
void SampleClients::leave(std::uint32_t device, TimeUs back_after_us) {
  const HostRef host{Component::gateway, gateway_[device]};
  const SessionId session{session_[device]};
  drop(device);
  calendar_->after(access_latency_us_[device], [this, host, session] { deployment_->closed(host.index, session); });
  calendar_->after(back_after_us, [this, device] { connect(device); });
}

}  // namespace parley::sim
