// Deployment: see deployment.hpp. All role inputs go through step(); all effects through
// dispatch(), one visit in one place.
#include "deployment.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
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
         std::holds_alternative<store::PutReceipt>(op) || std::holds_alternative<store::PutGroup>(op) ||
         std::holds_alternative<store::MarkFannedOut>(op);
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
      read_latency_(scenario.topology.store.read_latency_ms),
      network_(scenario.topology.network.zones, scenario.topology.network.datacenter_link_bandwidth_gbps) {
  // Only a scheduled store_node_loss with lose_unsynced_writes reads the unsynced appends (the
  // swarm's faults keep default params): otherwise no store completion pays for keeping them.
  track_unsynced_ = std::any_of(scenario.faults.schedule.begin(), scenario.faults.schedule.end(), [](const auto& f) {
    return f.kind == scenario::FaultKind::store_node_loss && f.params.lose_unsynced_writes;
  });
}

HostClock& Deployment::clock_of(HostRef host) {
  auto& clock = clocks_[host];
  if (!clock) clock = std::make_unique<HostClock>(*calendar_);
  return *clock;
}

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
      it->second.role = std::make_unique<AnyRole>(Gateway(config, clock_of(host)));
      break;
    }
    case Component::chat: {
      ChatConfig config;
      config.node = NodeId{host.index % snowflake::node_max + 1ULL};
      // Only the owner re-fans out a conversation's backlog after a restart (chat_recovery.cpp).
      config.owns = [this, host](ConversationId conv) { return host_of({Role::chat, conv.value}) == host; };
      auto chat = ChatService::make(config, clock_of(host));
      PARLEY_ASSERT(chat.ok());
      it->second.role = std::make_unique<AnyRole>(std::move(chat.value()));
      break;
    }
    case Component::presence:
      it->second.role = std::make_unique<AnyRole>(Presence(PresenceConfig{}, clock_of(host)));
      break;
    case Component::push:
    case Component::store:
    case Component::fanout:  // modelled in the load model only; never addressed by an envelope
      it->second.role = std::make_unique<AnyRole>(PushPolicy(PushConfig{}, clock_of(host)));
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
              if (const auto cut = network_.cut_between(from, to)) {  // the packets go nowhere
                ++stats_.envelopes_lost_partition;
                ++counters_.at(*cut).envelopes_lost;
                return;
              }
              // One TCP connection per host pair: envelopes between two hosts arrive in the order
              // they were sent (a retransmission or a long wait holds back those behind it).
              auto& fifo = fifo_[{from, to}];
              const auto queue_hop_us = load_->queue_hop_us(r.envelope, rng_);  // queue-mode fan-out
              fifo = std::max(fifo, calendar_->now_us() + crossing_us(from, to) + queue_hop_us +
                                        load_->sample_wait_us(to.kind, rng_, to.index));
              calendar_->at(fifo, [this, to, envelope = std::move(r.envelope)]() mutable {
                if (!platform_->is_on(to)) {
                  ++stats_.envelopes_lost_host_down;
                  if (auto it = down_by_.find(to); it != down_by_.end()) ++counters_.at(it->second).envelopes_lost;
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
  if (is_registry(request.op)) return plan_registry(request, from);
  const auto& store = scenario_.topology.store;
  const auto nodes = platform_->count(Component::store);
  const std::uint32_t rf = std::clamp<std::uint32_t>(store.replication_factor, 1, static_cast<std::uint32_t>(nodes));
  const bool write = is_write(request.op);
  const std::uint32_t needed = write ? rf / 2 + 1 : 1;
  const auto first = spread(request.req.value) % nodes;
  std::vector<double> replicas;
  std::vector<std::uint32_t> holders;  // every live reachable replica takes a write
  std::optional<std::size_t> blame;  // the fault that took a replica away
  HostRef node{Component::store, static_cast<std::uint32_t>(first)};
  for (std::uint32_t r = 0; r < rf; ++r) {
    const HostRef replica{Component::store, static_cast<std::uint32_t>((first + r) % nodes)};
    const double ms = (write ? write_latency_ : read_latency_).sample(rng_);  // drawn for every replica
    const auto cut = network_.cut_between(from, replica);
    if (!platform_->is_on(replica) || cut) {
      if (cut) blame = *cut;
      else if (auto it = down_by_.find(replica); it != down_by_.end()) blame = it->second;
      continue;
    }
    if (replicas.empty()) node = replica;
    replicas.push_back(ms);
    holders.push_back(replica.index);
  }
  if (replicas.size() < needed) {
    ++stats_.store_ops_unavailable;
    if (blame) ++counters_.at(*blame).store_ops_unavailable;
    return {static_cast<std::int64_t>(store_timeout_ms) * 1000, false};
  }
  if (replicas.size() < rf) ++stats_.store_ops_degraded;
  std::sort(replicas.begin(), replicas.end());
  const double service_ms = replicas[needed - 1];
  const auto service_us = static_cast<std::int64_t>(service_ms * 1000) + load_->sample_wait_us(Component::store, rng_, node.index);
  return {round_trip_us(from, node, service_us), true, std::move(holders)};
}

// The registry is sharded by user over the Redis shards; a shard that is failing over (off) or
// across a cut fails the operation after the driver's timeout.
Deployment::StorePlan Deployment::plan_registry(const StoreRequest& request, HostRef from) {
  const std::uint64_t user = std::visit(
      Overloaded{[](const store::RegistryConnect& r) { return r.device.user.value; },
                 [](const store::RegistryDisconnect& r) { return r.device.user.value; },
                 [](const store::RegistryLookup& r) { return r.users.empty() ? 0 : r.users.front().value; },
                 [](const auto&) { return std::uint64_t{0}; }},
      request.op);
  const HostRef shard = host_of(Destination{Role::presence, user});
  const auto cut = network_.cut_between(from, shard);
  if (!platform_->is_on(shard) || cut) {
    ++stats_.registry_ops_unavailable;
    std::optional<std::size_t> blame = cut;
    if (!blame) {
      if (auto it = down_by_.find(shard); it != down_by_.end()) blame = it->second;
    }
    if (blame) ++counters_.at(*blame).registry_ops_unavailable;
    note_registry(request, blame);
    return {static_cast<std::int64_t>(store_timeout_ms) * 1000, false};
  }
  note_registry(request, std::nullopt);
  const auto service_us = static_cast<std::int64_t>(cost_.registry_latency_ms * 1000) +
                          load_->sample_wait_us(Component::presence, rng_, shard.index);
  return {round_trip_us(from, shard, service_us), true};
}

void Deployment::note_registry(const StoreRequest& request, std::optional<std::size_t> failed_by) {
  const auto* connect = std::get_if<store::RegistryConnect>(&request.op);
  if (connect == nullptr) return;
  auto& spans = unregistered_[connect->device];
  const bool open = !spans.empty() && spans.back().to == std::numeric_limits<TimeUs>::max();
  if (failed_by && !open) spans.push_back({calendar_->now_us(), std::numeric_limits<TimeUs>::max(), *failed_by});
  if (!failed_by && open) spans.back().to = calendar_->now_us();
}

std::optional<std::size_t> Deployment::unregistered_by(DeviceRef device, TimeUs at, TimeUs settle_us) const {
  auto it = unregistered_.find(device);
  if (it == unregistered_.end()) return std::nullopt;
  const TimeUs end = calendar_->now_us();
  for (const auto& span : it->second) {
    const bool unsettled = span.to == std::numeric_limits<TimeUs>::max() || span.to + settle_us >= end;
    if (at >= span.from && at <= span.to && unsettled) return span.fault;
  }
  return std::nullopt;
}

// A request's crossing, the service, and the answer's crossing, each at its own time (a degraded
// link's bandwidth may come back in between).
std::int64_t Deployment::round_trip_us(HostRef from, HostRef to, std::int64_t service_us) {
  const std::int64_t there = crossing_us(from, to);
  const std::int64_t back = crossing_us(to, from, calendar_->now_us() + there + service_us);
  return there + service_us + back;
}

std::int64_t Deployment::crossing_us(HostRef from, HostRef to, std::optional<TimeUs> at_us) {
  const auto extra = network_.extra(from, to, rng_, at_us.value_or(calendar_->now_us()));
  if (extra.fault) {
    auto& c = counters_.at(*extra.fault);
    ++c.envelopes_delayed;
    c.retransmits += extra.retransmits;
  }
  return platform_->latency_us(from, to) + extra.delay_us;
}

// Snowflake ids of one conversation come from its one chat node and must keep rising, whatever
// that node's clock does (clock_step).
void Deployment::note_append(HostRef from, const store::Op& op) {
  const auto* append = std::get_if<store::AppendMessage>(&op);
  if (append == nullptr || from.kind != Component::chat) return;
  const auto stepped = stepped_.find(from);
  if (stepped != stepped_.end()) ++counters_.at(stepped->second).ids_after_step;
  auto& last = last_append_[append->message.conv];
  if (append->message.id <= last) {
    ++stats_.ids_not_monotonic;
    if (stepped != stepped_.end()) ++counters_.at(stepped->second).ids_not_monotonic;
  }
  last = std::max(last, append->message.id);
}

void Deployment::run_store(HostRef from, StoreRequest request) {
  ++stats_.store_ops;
  const auto epoch = instance(from).epoch;
  const auto plan = plan_store(request, from);
  if (plan.available) note_append(from, request.op);  // in the order the node issued its ids
  calendar_->after(plan.latency_us, [this, from, epoch, available = plan.available,
                                     replicas = std::move(plan.replicas), request = std::move(request)]() mutable {
    // A write in flight when its chat node died with lose_unsynced_writes never became durable:
    // never acknowledged either, so no client was told it was stored.
    if (auto lost = unsynced_lost_.find({from, epoch}); lost != unsynced_lost_.end() && is_write(request.op)) {
      ++stats_.writes_lost_unsynced;
      ++counters_.at(lost->second).writes_lost_unsynced;
      if (std::holds_alternative<store::AppendMessage>(request.op)) ++counters_.at(lost->second).messages_lost_unacked;
      return;
    }
    // Otherwise the store did the work whatever happened to the caller: a crash loses the answer,
    // not the write.
    StoreDone done{request.req, available ? store_.execute(request.op)
                                          : store::Outcome{Error{ErrorCode::internal, "store quorum unavailable"}}};
    if (available && track_unsynced_) note_unsynced(request, done.outcome, std::move(replicas));
    if (!platform_->is_on(from) || instance(from).epoch != epoch) {
      ++stats_.store_completions_lost;
      if (auto it = down_by_.find(from); it != down_by_.end()) ++counters_.at(it->second).store_completions_lost;
      return;
    }
    if (from.kind == Component::gateway) {
      step(from, GatewayInput{std::move(done)});
    } else {
      step(from, ChatInput{std::move(done)});
    }
  });
}

void Deployment::crash(HostRef host, std::size_t fault, bool lose_unsynced_writes) {
  if (host.kind == Component::presence) {  // a failover: the shard's presence entries are gone
    if (auto it = instances_.find(host); it != instances_.end()) {
      counters_.at(fault).presence_entries_lost += std::get<Presence>(*it->second.role).stats().online_users;
    }
  }
  platform_->turn_off(host);
  instances_.erase(host);
  down_by_[host] = fault;
  if (lose_unsynced_writes && host.kind == Component::store) lose_unsynced_appends(host.index, fault);
  if (lose_unsynced_writes && host.kind != Component::store) unsynced_lost_[{host, epochs_[host]}] = fault;
  ++epochs_[host];
}

// Every stored append stays "unsynced" at its replicas for one commit-log sync period (periodic
// mode: the replica acknowledged it before its fsync). 0: synced before the ack, nothing to keep.
void Deployment::note_unsynced(const StoreRequest& request, const store::Outcome& outcome,
                               std::vector<std::uint32_t> replicas) {
  const TimeUs period_us = static_cast<TimeUs>(scenario_.topology.store.commitlog_sync_period_ms) * 1000;
  const TimeUs now = calendar_->now_us();
  while (!unsynced_.empty() && unsynced_.front().at + period_us < now) unsynced_.pop_front();
  const auto* append = std::get_if<store::AppendMessage>(&request.op);
  const auto* appended = std::get_if<store::Appended>(&outcome);
  if (period_us == 0 || append == nullptr || appended == nullptr || appended->duplicate) return;
  unsynced_.push_back({now, append->message.conv, append->message.id, std::move(replicas)});
}

// The node lost power: what it took in within the last sync period is gone from its disk. A
// message another replica still holds survives (repair brings it back to this node); one that no
// replica holds any more is gone from the store, although it was acknowledged.
void Deployment::lose_unsynced_appends(std::uint32_t node, std::size_t fault) {
  const TimeUs period_us = static_cast<TimeUs>(scenario_.topology.store.commitlog_sync_period_ms) * 1000;
  auto& counters = counters_.at(fault);
  for (auto& write : unsynced_) {
    if (write.at + period_us < calendar_->now_us()) continue;
    auto it = std::find(write.replicas.begin(), write.replicas.end(), node);
    if (it == write.replicas.end()) continue;
    write.replicas.erase(it);
    ++counters.unsynced_appends_on_node;
    if (!write.replicas.empty() || !store_.forget(write.conv, write.id)) continue;
    ++counters.messages_lost_acknowledged;
    forgotten_[{write.conv, write.id}] = fault;
  }
}

std::optional<std::size_t> Deployment::forgotten_by(ConversationId conv, MessageId id) const {
  auto it = forgotten_.find({conv, id});
  if (it == forgotten_.end()) return std::nullopt;
  return it->second;
}

void Deployment::step_clock(HostRef host, std::int64_t ms, std::size_t fault) {
  clock_of(host).step(ms);
  stepped_[host] = fault;
}

bool Deployment::presence_online(UserId user) {
  const HostRef shard = host_of(Destination{Role::presence, user.value});
  if (!platform_->is_on(shard)) return false;
  return std::get<Presence>(*instance(shard).role).status(user).online;
}

std::uint32_t Deployment::chat_host_of(ConversationId conv) const {
  return host_of(Destination{Role::chat, conv.value}).index;
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
