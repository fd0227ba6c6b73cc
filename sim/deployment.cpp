// Deployment: see deployment.hpp. All role inputs go through step(); all effects through
// dispatch(), one visit in one place.
#include "deployment.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "parley/assert.hpp"
#include "parley/local_node.hpp"
#include "parley/overloaded.hpp"
#include "parley/snowflake.hpp"
#include "spread.hpp"

namespace parley::sim {
namespace {

constexpr std::uint64_t store_timeout_ms = 2'000;  // the store driver gives up after this

bool is_registry(const store::Op& op) {
  return std::holds_alternative<store::RegistryConnect>(op) ||
         std::holds_alternative<store::RegistryDisconnect>(op) ||
         std::holds_alternative<store::RegistryLookup>(op);
}

bool is_write(const store::Op& op) {
  return std::holds_alternative<store::AppendMessage>(op) ||
         std::holds_alternative<store::PutReceipt>(op) || std::holds_alternative<store::PutGroup>(op);
}

}  // namespace

Deployment::Deployment(const scenario::Scenario& scenario, const Calibration& calibration,
                       Platform& platform, EventCalendar& calendar, const LoadModel& load,
                       std::uint64_t seed)
    : scenario_(scenario),
      cost_(calibration),
      platform_(&platform),
      calendar_(&calendar),
      load_(&load),
      rng_(seed ^ 0xde9105ULL),
      write_latency_(scenario.topology.store.write_latency_ms),
      read_latency_(scenario.topology.store.read_latency_ms) {}

void Deployment::set_client_sinks(FrameSink on_frame, CloseSink on_close) {
  on_frame_ = std::move(on_frame);
  on_close_ = std::move(on_close);
}

Deployment::Instance& Deployment::instance(HostRef host) {
  auto [it, fresh] = instances_.try_emplace(host);
  if (!fresh) return it->second;
  ++stats_.role_instances;
  it->second.epoch = epochs_[host];
  switch (host.kind) {
    case Component::gateway: {
      GatewayConfig config;
      config.node = NodeId{host.index + 1ULL};
      it->second.role = std::make_unique<AnyRole>(Gateway(config, *calendar_));
      break;
    }
    case Component::chat: {
      ChatConfig config;
      config.node = NodeId{host.index % snowflake::node_max + 1ULL};
      auto chat = ChatService::make(config, *calendar_);
      PARLEY_ASSERT(chat.ok());
      it->second.role = std::make_unique<AnyRole>(std::move(chat.value()));
      break;
    }
    case Component::presence:
      it->second.role = std::make_unique<AnyRole>(Presence(PresenceConfig{}, *calendar_));
      break;
    case Component::push:
    case Component::store:
      it->second.role = std::make_unique<AnyRole>(PushPolicy(PushConfig{}, *calendar_));
      break;
  }
  return it->second;
}

HostRef Deployment::host_of(const Destination& d) const {
  auto pick = [&](Component kind) {
    return HostRef{kind, static_cast<std::uint32_t>(spread(d.key) % platform_->count(kind))};
  };
  switch (d.role) {
    case Role::gateway: return HostRef{Component::gateway, static_cast<std::uint32_t>(d.key - 1)};
    case Role::chat: return pick(Component::chat);
    case Role::presence: return pick(Component::presence);
    case Role::push: return pick(Component::push);
  }
  return HostRef{};
}

template <class Input>
void Deployment::step(HostRef at, Input input) {
  auto& role = *instance(at).role;
  std::vector<Effect> effects = std::visit(
      Overloaded{
          [&](Gateway& g) {
            if constexpr (std::is_same_v<Input, GatewayInput>) g.step(std::move(input));
            return g.drain();
          },
          [&](ChatService& c) {
            if constexpr (std::is_same_v<Input, ChatInput>) c.step(std::move(input));
            return c.drain();
          },
          [&](auto& other) {
            if constexpr (std::is_same_v<Input, Envelope>) other.step(input);
            return other.drain();
          },
      },
      role);
  dispatch(at, std::move(effects));
}

SessionId Deployment::open(std::uint32_t gw) {
  const SessionId session{next_session_++};
  step(HostRef{Component::gateway, gw}, GatewayInput{gw::Opened{session}});
  return session;
}

void Deployment::frame_in(std::uint32_t gw, SessionId session, std::string text) {
  step(HostRef{Component::gateway, gw}, GatewayInput{gw::FrameIn{session, std::move(text)}});
}

void Deployment::closed(std::uint32_t gw, SessionId session) {
  const HostRef host{Component::gateway, gw};
  if (platform_->is_on(host)) step(host, GatewayInput{gw::Closed{session}});
}

void Deployment::dispatch(HostRef from, std::vector<Effect> effects) {
  for (auto& effect : effects) {
    std::visit(
        Overloaded{
            [&](Route& r) {
              ++stats_.envelopes;
              const HostRef to = host_of(destination_of(r.envelope));
              const auto delay = platform_->latency_us(from, to) + load_->sample_wait_us(to.kind, rng_);
              calendar_->after(delay, [this, to, envelope = std::move(r.envelope)]() mutable {
                if (!platform_->is_on(to)) {
                  ++stats_.envelopes_lost_host_down;
                  return;
                }
                if (to.kind == Component::gateway) {
                  step(to, GatewayInput{std::move(envelope)});
                } else if (to.kind == Component::chat) {
                  step(to, ChatInput{std::move(envelope)});
                } else {
                  step(to, std::move(envelope));
                }
              });
            },
            [&](SendFrame& s) { on_frame_(s.session, std::move(s.frame)); },
            [&](CloseSession& c) { on_close_(c.session, c.reason); },
            [&](VerifyToken& v) {
              const auto epoch = instance(from).epoch;
              const auto delay = static_cast<std::int64_t>(cost_.gateway_frame_us) + 1;
              calendar_->after(delay, [this, from, epoch, v = std::move(v)] {
                if (!platform_->is_on(from) || instance(from).epoch != epoch) return;
                step(from, GatewayInput{TokenVerified{v.req, verify_dev_token(v.token)}});
              });
            },
            [&](StoreRequest& s) { run_store(from, std::move(s)); },
            [&](PushNotify&) { ++stats_.pushes; },
        },
        effect);
  }
}

// Replicas of a request are `replication_factor` consecutive nodes from a hash of its id; a write
// is durable at a majority of them, a read needs one. With too few live replicas the request fails
// after the store driver's timeout, as Cassandra's would.
Deployment::StorePlan Deployment::plan_store(const StoreRequest& request, HostRef from) {
  if (is_registry(request.op)) {
    const HostRef shard{Component::presence, 0};
    return {2 * platform_->latency_us(from, shard) +
                static_cast<std::int64_t>(cost_.registry_latency_ms * 1000) +
                load_->sample_wait_us(Component::presence, rng_),
            true};
  }
  const auto& store = scenario_.topology.store;
  const auto nodes = platform_->count(Component::store);
  const std::uint32_t rf = std::clamp<std::uint32_t>(store.replication_factor, 1, static_cast<std::uint32_t>(nodes));
  const bool write = is_write(request.op);
  const std::uint32_t needed = write ? rf / 2 + 1 : 1;
  const auto first = spread(request.req.value) % nodes;
  std::vector<double> replicas;
  HostRef node{Component::store, static_cast<std::uint32_t>(first)};
  for (std::uint32_t r = 0; r < rf; ++r) {
    const HostRef replica{Component::store, static_cast<std::uint32_t>((first + r) % nodes)};
    const double ms = (write ? write_latency_ : read_latency_).sample(rng_);  // drawn for every replica
    if (!platform_->is_on(replica)) continue;
    if (replicas.empty()) node = replica;
    replicas.push_back(ms);
  }
  if (replicas.size() < needed) {
    ++stats_.store_ops_unavailable;
    return {static_cast<std::int64_t>(store_timeout_ms) * 1000, false};
  }
  if (replicas.size() < rf) ++stats_.store_ops_degraded;
  std::sort(replicas.begin(), replicas.end());
  const double service_ms = replicas[needed - 1];
  return {2 * platform_->latency_us(from, node) + static_cast<std::int64_t>(service_ms * 1000) +
              load_->sample_wait_us(Component::store, rng_),
          true};
}

void Deployment::run_store(HostRef from, StoreRequest request) {
  ++stats_.store_ops;
  const auto epoch = instance(from).epoch;
  const auto plan = plan_store(request, from);
  calendar_->after(plan.latency_us, [this, from, epoch, available = plan.available,
                                     request = std::move(request)] {
    // The store did the work whatever happened to the caller: a crash loses the answer, not the write.
    StoreDone done{request.req, available ? store_.execute(request.op)
                                          : store::Outcome{Error{ErrorCode::internal, "store quorum unavailable"}}};
    if (!platform_->is_on(from) || instance(from).epoch != epoch) {
      ++stats_.store_completions_lost;
      return;
    }
    if (from.kind == Component::gateway) {
      step(from, GatewayInput{std::move(done)});
    } else {
      step(from, ChatInput{std::move(done)});
    }
  });
}

void Deployment::crash(HostRef host) {
  platform_->turn_off(host);
  instances_.erase(host);
  ++epochs_[host];
}

void Deployment::restart(HostRef host) { platform_->turn_on(host); }

void Deployment::tick_all() {
  std::vector<HostRef> hosts;
  for (const auto& [host, _] : instances_) hosts.push_back(host);
  for (const auto& host : hosts) {
    if (!platform_->is_on(host)) continue;
    auto& role = *instances_.at(host).role;
    auto effects = std::visit([](auto& r) { r.tick(); return r.drain(); }, role);
    dispatch(host, std::move(effects));
  }
}

}  // namespace parley::sim
