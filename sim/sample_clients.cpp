// SampleClients: see sample_clients.hpp. Frames cross the access network with the device's own
// latency; the gateway's queueing wait is added on the way in (the way out is the gateway's
// SendFrame, already after its queue).
#include "sample_clients.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "parley/conversation.hpp"
#include "parley/limits.hpp"
#include "parley/local_node.hpp"
#include "parley/overloaded.hpp"
#include "population_model.hpp"
#include "recipients.hpp"
#include "spread.hpp"

namespace parley::sim {
namespace {

namespace pr = protocol;

constexpr TimeUs retry_after_error_us = 1'000'000;
constexpr TimeUs ack_timeout_us = 5'000'000;  // a send without an ack by then is sent again
constexpr TimeUs request_timeout_us = 5'000'000;  // a sync without its sync.done is asked again
constexpr TimeUs group_wait_us = 100'000;  // a planned group send waits this long for its group

}  // namespace

SampleClients::SampleClients(const scenario::Scenario& scenario,
                             const workload::PopulationModel& population, const SampleConfig& config,
                             Deployment& deployment, EventCalendar& calendar, Checker& checker,
                             std::uint64_t seed)
    : scenario_(scenario), config_(config), population_(&population), deployment_(&deployment), calendar_(&calendar),
      checker_(&checker), rng_(seed ^ 0xc11e47ULL), typing_rng_(seed ^ 0x7e1d0ULL) {
  const workload::Sampler access(scenario.topology.network.client_latency_ms);
  const std::uint64_t online = std::max<std::uint64_t>(population.online(), 1);
  config_.users = static_cast<std::uint32_t>(std::min<std::uint64_t>(config_.users, online));
  planned_ = config_.users == population.online();
  for (std::uint32_t k = 0; k < config_.users; ++k) {
    const std::uint64_t user = k * online / config_.users;  // spread over the online users
    first_device_.push_back(static_cast<std::uint32_t>(user_of_.size()));
    const auto devices = std::min(population.devices(user), config_.devices_max);
    for (std::uint32_t d = 0; d < devices; ++d) {
      user_of_.push_back(user);
      sample_user_of_.push_back(k);
      device_id_.push_back(static_cast<std::uint8_t>(d + 1));
      gateway_.push_back(static_cast<std::uint16_t>(spread(user) % config_.gateways));
      access_latency_us_.push_back(static_cast<std::uint32_t>(access.sample(rng_) * 1000));
    }
  }
  first_device_.push_back(static_cast<std::uint32_t>(user_of_.size()));
  const auto n = user_of_.size();
  session_.assign(n, 0);
  state_.assign(n, State::offline);
  attempt_.assign(n, 0);
  fault_.assign(n, -1);
  recovering_until_us_.assign(n, 0);
  sync_pending_.resize(n);
  reconnected_before_.assign(n, 0);
  online_since_us_.assign(n, 0);
  position_.resize(n);
  outbox_.resize(n);
  groups_of_user_.resize(config_.users);
  deployment.set_client_sinks([this](SessionId s, FramePtr f) { from_server(s, std::move(f)); },
                              [this](SessionId s, ErrorCode) {
                                auto it = device_of_session_.find(s.value);
                                if (it == device_of_session_.end()) return;
                                const auto device = it->second;
                                calendar_->after(access_latency_us_[device], [this, device, s] {
                                  if (session_[device] == s.value) disconnected(device);
                                });
                              });
}

std::uint64_t SampleClients::bytes_per_device() const {
  return sizeof(std::uint64_t) * 2 + sizeof(std::uint32_t) * 3 + sizeof(std::uint16_t) +
         sizeof(std::uint8_t) * 2 + sizeof(State) + sizeof(position_[0]) + sizeof(outbox_[0]);
}

std::vector<std::uint32_t> SampleClients::devices_of_user(std::uint32_t user) const {
  std::vector<std::uint32_t> out;
  for (auto d = first_device_[user]; d < first_device_[user + 1]; ++d) out.push_back(d);
  return out;
}

void SampleClients::connect_all(TimeUs within_us) {
  for (std::uint32_t d = 0; d < user_of_.size(); ++d) {
    calendar_->after(static_cast<TimeUs>(rng_.uniform(static_cast<std::uint64_t>(within_us) + 1)),
                     [this, d] { connect(d); });
  }
}

void SampleClients::connect_planned(const workload::SendPlanner& planner) {
  for (std::uint32_t d = 0; d < user_of_.size(); ++d) {
    const auto at_us = static_cast<TimeUs>(planner.connect_at_s(user_of_[d]) * 1e6);
    calendar_->at(at_us, [this, d] { connect(d); });
  }
}

void SampleClients::connect(std::uint32_t device) {
  if (state_[device] != State::offline) return;
  // The home gateway, or the next live one of the sample's ring (what a load balancer does).
  std::uint32_t gw = gateway_[device];
  for (std::uint32_t i = 0; i < config_.gateways; ++i) {
    const std::uint32_t candidate = (gateway_[device] + i) % config_.gateways;
    if (deployment_->is_on(HostRef{Component::gateway, candidate})) {
      gw = candidate;
      break;
    }
  }
  if (!deployment_->is_on(HostRef{Component::gateway, gw})) {
    disconnected(device);  // nothing to connect to: back off and try again
    return;
  }
  gateway_[device] = static_cast<std::uint16_t>(gw);
  state_[device] = State::connecting;
  const SessionId session = deployment_->open(gw);
  session_[device] = session.value;
  device_of_session_[session.value] = device;
  to_server(device, pr::Auth{make_dev_token(UserId{user_of_[device] + 1}, DeviceId{device_id_[device]})});
}

// The client's side of a connection that is gone: no session, nothing pending on it.
void SampleClients::drop(std::uint32_t device) {
  if (state_[device] == State::online) --connected_;
  if (session_[device]) device_of_session_.erase(session_[device]);
  sync_pending_[device].clear();
  state_[device] = State::offline;
  session_[device] = 0;
}

void SampleClients::disconnected(std::uint32_t device) {
  drop(device);
  // Exponential backoff with full jitter: uniform in [0, min(cap, base · 2^attempt)].
  const TimeUs ceiling = std::min(config_.backoff_cap_us, config_.backoff_base_us << std::min<int>(attempt_[device], 20));
  attempt_[device] = static_cast<std::uint8_t>(std::min<int>(attempt_[device] + 1, 255));
  if (fault_[device] >= 0) ++faults_[static_cast<std::size_t>(fault_[device])].reconnect_attempts;
  calendar_->after(static_cast<TimeUs>(rng_.uniform(static_cast<std::uint64_t>(ceiling) + 1)),
                   [this, device] { connect(device); });
}

void SampleClients::to_server(std::uint32_t device, const pr::ClientFrame& frame) {
  const HostRef gw{Component::gateway, gateway_[device]};
  const auto session = session_[device];
  const TimeUs delay = access_latency_us_[device];
  calendar_->after(delay, [this, gw, session, device, text = pr::encode(frame)]() mutable {
    if (session_[device] != session || !deployment_->is_on(gw)) return;  // the connection is gone
    deployment_->frame_in(gw.index, SessionId{session}, std::move(text));
  });
}

void SampleClients::from_server(SessionId session, FramePtr frame) {
  auto it = device_of_session_.find(session.value);
  if (it == device_of_session_.end()) return;
  const auto device = it->second;
  calendar_->after(access_latency_us_[device], [this, device, session, frame = std::move(frame)] {
    if (session_[device] != session.value) return;
    auto decoded = pr::decode_server(*frame);
    if (!decoded.ok()) {
      ++second_.errors;
      return;
    }
    handle(device, decoded.value());
  });
}

void SampleClients::handle(std::uint32_t device, const pr::ServerFrame& frame) {
  std::visit(Overloaded{
                 [&](const pr::AuthOk&) { on_auth(device); },
                 [&](const pr::Ack& a) { on_ack(a); },
                 [&](const pr::Deliver& d) { on_deliver(device, d.message); },
                 [&](const pr::SyncDone& s) {
                   sync_pending_[device].erase(s.conv);
                   // Everything up to `through` has arrived (pages come in order on the session).
                   auto& position = position_[device][s.conv];
                   position.synced = std::max(position.synced, s.through);
                   // From `through`, not from the newest id held: a live delivery that arrived
                   // during the replay would skip the rest of the page (docs/protocol.md).
                   if (s.more) request_sync(device, {s.conv}, s.through);
                 },
                 [&](const pr::GroupInfo& g) {
                   if (g.rid.size() < 2 || g.rid[0] != 'g') return;
                   const auto index = std::stoul(g.rid.substr(1));
                   if (index >= groups_.size() || groups_[index].id) return;
                   groups_[index].id = g.group;
                   group_of_conv_[group_conversation(g.group).value()] = static_cast<std::uint32_t>(index);
                   for (auto member : groups_[index].members) groups_of_user_[member].push_back(static_cast<std::uint32_t>(index));
                 },
                 [&](const pr::ErrorFrame& e) { on_error(device, e); },
                 [&](const pr::TypingUpdate& update) {
                   ++user_events_.typing_received;
                   if (!member_of(device, update.conv)) ++user_events_.typing_misdirected;
                 },
                 [&](const pr::Receipt& receipt) {
                   ++user_events_.receipts_received;
                   if (!member_of(device, receipt.conv)) ++user_events_.receipts_misdirected;
                 },
                 [&](const pr::HistoryPage& page) {
                   if (page.rid == "h") ++user_events_.history_answered;
                 },
                 [&](const pr::SearchResult& result) {
                   if (result.rid != "q") return;
                   ++user_events_.searches_answered;
                   for (const auto& hit : result.hits) {  // the user's own conversations only
                     if (position_[device].count(hit.conv) == 0) ++user_events_.search_foreign_hits;
                   }
                 },
                 [&](const auto&) {},
             },
             frame);
}

void SampleClients::on_auth(std::uint32_t device) {
  state_[device] = State::online;
  online_since_us_[device] = calendar_->now_us();
  ++connected_;
  attempt_[device] = 0;
  if (fault_[device] >= 0) {
    auto& effect = faults_[static_cast<std::size_t>(fault_[device])];
    ++effect.reconnected;
    effect.last_reconnect_us = std::max(effect.last_reconnect_us,
                                        calendar_->now_us() - fault_at_us_[static_cast<std::size_t>(fault_[device])]);
  }
  // Replay and the chat service's redeliveries (after 5 s, then again) settle within this window;
  // so does a first connection that already has messages waiting (planned mode: sent to it while
  // it was still connecting).
  if (fault_[device] >= 0 || reconnected_before_[device] || !position_[device].empty()) {
    fault_[device] = -1;
    recovering_until_us_[device] = calendar_->now_us() + 3 * static_cast<TimeUs>(limits::redelivery_after_ms) * 1000;
  }
  reconnected_before_[device] = 1;
  if (auto it = pending_creates_.find(device); it != pending_creates_.end()) {
    auto creates = std::move(it->second);
    pending_creates_.erase(it);
    for (auto& create : creates) to_server(device, create);
  }
  std::vector<ConversationId> convs;
  for (const auto& [conv, last] : position_[device]) convs.push_back(conv);
  request_sync(device, convs);
  for (auto index : outbox_[device]) send_traced(device, index);  // same uuid: dedup keeps one
}

// Sync from the newest id held, or from `after` when given (docs/protocol.md); a conversation
// without its sync.done after the timeout (its chat node may have died) is asked again, like any
// request without a reply.
void SampleClients::request_sync(std::uint32_t device, const std::vector<ConversationId>& convs, MessageId after) {
  if (convs.empty()) return;
  pr::Sync sync{"y", {}, 0};
  for (const auto conv : convs) {
    sync.positions.push_back({conv, after ? after : position_[device][conv].synced});
    sync_pending_[device].insert(conv);
  }
  to_server(device, sync);
  const auto session = session_[device];
  calendar_->after(request_timeout_us, [this, device, session, convs, after] {
    if (session_[device] != session || state_[device] != State::online) return;
    std::vector<ConversationId> again;
    for (const auto conv : convs) {
      if (sync_pending_[device].count(conv) != 0) again.push_back(conv);
    }
    request_sync(device, again, after);
  });
}

void SampleClients::on_ack(const pr::Ack& ack) {
  if (ack.client_uuid.size() < 2 || ack.client_uuid[0] != 's') return;
  const auto index = static_cast<std::uint32_t>(std::stoul(ack.client_uuid.substr(1)));
  const auto latency = checker_->acked(index, ack.msg, calendar_->now_us());
  if (latency < 0) return;
  ack_.record(static_cast<std::uint64_t>(latency));
  second_.ack.record(static_cast<std::uint64_t>(latency));
  ++second_.acks;
  for (auto& box : outbox_) {  // only the sender's box holds it; boxes are tiny
    auto it = std::find(box.begin(), box.end(), index);
    if (it != box.end()) box.erase(it);
  }
}

// A refused traced send (e.g. the store lost its quorum) is retried after a second with the same
// uuid, as a client would; it stays in the outbox until acked.
void SampleClients::on_error(std::uint32_t device, const pr::ErrorFrame& error) {
  // The gateway registered this session late (its registry connect failed): replay what it missed.
  // Like the replay after a reconnect, it interleaves with live deliveries (the client orders by id).
  if (error.code == ErrorCode::resync_required && error.rid.empty()) {
    recovering_until_us_[device] = calendar_->now_us() + 3 * static_cast<TimeUs>(limits::redelivery_after_ms) * 1000;
    std::vector<ConversationId> convs;
    for (const auto& [conv, last] : position_[device]) convs.push_back(conv);
    request_sync(device, convs);
    return;
  }
  ++second_.errors;
  if (error.rid.size() < 2 || error.rid[0] != 's') return;
  const auto index = static_cast<std::uint32_t>(std::stoul(error.rid.substr(1)));
  calendar_->after(retry_after_error_us, [this, device, index] {
    const auto& box = outbox_[device];
    if (state_[device] == State::online && std::find(box.begin(), box.end(), index) != box.end()) {
      send_traced(device, index);
    }
  });
}

void SampleClients::on_deliver(std::uint32_t device, const StoredMessage& m) {
  to_server(device, pr::Delivered{m.conv, m.id});
  auto& position = position_[device][m.conv];
  const bool older = m.id < position.newest;
  position.newest = std::max(position.newest, m.id);
  if (sync_pending_[device].count(m.conv) == 0) position.synced = std::max(position.synced, m.id);
  if (m.sender.value == 0 || m.client_uuid.size() < 2 || m.client_uuid[0] != 's') return;
  const auto index = static_cast<std::uint32_t>(std::stoul(m.client_uuid.substr(1)));
  const auto latency = checker_->delivered(index, m.id, device, calendar_->now_us());
  if (latency < 0) return;
  if (typing_rng_.unit() < scenario_.workload.read_receipt_share) {  // the user reads it
    to_server(device, pr::Read{m.conv, m.id});
    ++user_events_.reads_sent;
  }
  if (older) checker_->reordered(index, calendar_->now_us() < recovering_until_us_[device], calendar_->now_us());
  if (latency > static_cast<std::int64_t>(scenario_.slos.p99_delivery_ms * 1000)) ++second_.late;
  delivery_.record(static_cast<std::uint64_t>(latency));
  second_.delivery.record(static_cast<std::uint64_t>(latency));
  if (!hot_watch_.empty()) {  // a hot group's skew: its deliveries against everyone else's
    auto hot = hot_watch_.find(m.conv);
    if (hot != hot_watch_.end()) {
      hot_[hot->second].hot.record(static_cast<std::uint64_t>(latency));
    } else {
      for (const auto& [conv, fault] : hot_watch_) hot_[fault].others.record(static_cast<std::uint64_t>(latency));
    }
  }
  ++second_.deliveries;
}

void SampleClients::create_groups(std::uint32_t count) {
  const workload::Sampler sizes(scenario_.population.groups.size);
  const std::uint64_t size_max = std::min<std::uint64_t>(config_.users, 500);
  for (std::uint32_t g = 0; g < count && size_max >= 2; ++g) {
    const auto size = std::clamp<std::uint64_t>(sizes.sample_integer(rng_), 2, size_max);
    std::set<std::uint32_t> members;
    while (members.size() < size) members.insert(static_cast<std::uint32_t>(rng_.uniform(config_.users)));
    SampleGroup group{GroupId{}, {members.begin(), members.end()}};
    pr::GroupCreate create{"g" + std::to_string(g), "group " + std::to_string(g), {}};
    for (std::size_t i = 1; i < group.members.size(); ++i) {
      create.members.push_back(UserId{user_of_[first_device_[group.members[i]]] + 1});
    }
    const auto creator = first_device_[group.members[0]];
    groups_.push_back(std::move(group));
    create_group(creator, std::move(create));
  }
}

// A creator not online yet sends its group.create when it authenticates.
void SampleClients::create_group(std::uint32_t creator, pr::GroupCreate create) {
  if (state_[creator] == State::online) {
    to_server(creator, create);
  } else {
    pending_creates_[creator].push_back(std::move(create));
  }
}

// Every group of the scenario, created by its first online member with every member (online or
// not), as parley-load's group setup does; a group without an online member is never posted to.
void SampleClients::create_planned_groups() {
  const auto& people = *population_;
  for (std::uint64_t g = 0; g < people.group_count(); ++g) {
    SampleGroup group;
    pr::GroupCreate create{"g" + std::to_string(g), "group " + std::to_string(g), {}};
    for (std::uint64_t k = 0; k < people.group_size(g); ++k) {
      const auto user = people.member(g, k);
      if (user < config_.users) group.members.push_back(static_cast<std::uint32_t>(user));
      if (group.members.empty() || group.members.front() != user) create.members.push_back(UserId{user + 1});
    }
    groups_.push_back(group);
    if (!group.members.empty()) create_group(first_device_[group.members.front()], std::move(create));
  }
}

// The planned send from the sender's first device (parley-load sends from device 0).
void SampleClients::send_planned(const workload::PlannedSend& send, TimeUs intended_us) {
  const auto sender = static_cast<std::uint32_t>(send.sender);
  if (sender >= config_.users || first_device_[sender + 1] == first_device_[sender]) return;
  ConversationId conv;
  if (send.to_group) {
    if (send.target >= groups_.size()) return;
    if (!groups_[send.target].id) {  // its group.create is still on its way: retry shortly
      calendar_->after(group_wait_us, [this, send, intended_us] { send_planned(send, intended_us); });
      return;
    }
    conv = group_conversation(groups_[send.target].id).value();
  } else {
    if (send.target == send.sender) return;
    conv = direct_conversation(UserId{send.sender + 1}, UserId{send.target + 1}).value();
  }
  std::vector<std::uint32_t> recipients, optional;
  workload::for_each_recipient(*population_, send, [&](std::uint64_t user, std::uint32_t d) {
    const auto device = first_device_[user] + d;
    if (device >= first_device_[user + 1]) return;  // beyond devices_max
    (state_[device] == State::online ? recipients : optional).push_back(device);
  });
  send_traced_new(first_device_[sender], conv, std::move(recipients), intended_us, std::move(optional),
                  send.typing_indicators);
}

std::uint64_t SampleClients::groups_ready() const {
  return static_cast<std::uint64_t>(std::count_if(groups_.begin(), groups_.end(), [](const auto& g) { return bool(g.id); }));
}

void SampleClients::send_message(Random& rng, double group_share) {
  const auto user = static_cast<std::uint32_t>(rng.uniform(config_.users));
  const auto span = first_device_[user + 1] - first_device_[user];
  if (span == 0) return;
  const auto device = first_device_[user] + static_cast<std::uint32_t>(rng.uniform(span));
  std::vector<std::uint32_t> members;
  ConversationId conv;
  const auto& mine = groups_of_user_[user];
  if (!mine.empty() && rng.unit() < group_share) {
    const auto& group = groups_[mine[rng.uniform(mine.size())]];
    members = group.members;
    conv = group_conversation(group.id).value();
  } else if (config_.users >= 2) {
    auto peer = static_cast<std::uint32_t>(rng.uniform(config_.users - 1));
    if (peer >= user) ++peer;
    const UserId peer_id{user_of_[first_device_[peer]] + 1};
    members = {user, peer};
    conv = direct_conversation(UserId{user_of_[device] + 1}, peer_id).value();
  } else {
    return;
  }
  send_in(device, conv, members);
}

void SampleClients::send_in(std::uint32_t device, ConversationId conv, const std::vector<std::uint32_t>& members) {
  std::vector<std::uint32_t> recipients;
  for (auto member : members) {
    for (auto d : devices_of_user(member)) {
      if (d != device) recipients.push_back(d);
    }
  }
  send_traced_new(device, conv, std::move(recipients), calendar_->now_us());
}

void SampleClients::send_traced_new(std::uint32_t device, ConversationId conv,
                                    std::vector<std::uint32_t> recipients, TimeUs intended_us,
                                    std::vector<std::uint32_t> optional, std::optional<std::uint32_t> typing) {
  if (!typing) {  // whole indicators, and one more with the fraction's probability
    const double per_message = scenario_.workload.typing_per_message;
    typing = static_cast<std::uint32_t>(per_message) + (typing_rng_.unit() < per_message - std::floor(per_message) ? 1 : 0);
  }
  if (state_[device] == State::online) {
    for (std::uint32_t i = 0; i < *typing; ++i) to_server(device, pr::Typing{conv, true});
    user_events_.typing_sent += *typing;
  }
  // The conversation list of the devices that hold the conversation (optional ones do not yet).
  for (auto d : recipients) position_[d].try_emplace(conv);
  if (optional.empty() || state_[device] == State::online) position_[device].try_emplace(conv);
  const auto index = checker_->planned(intended_us, conv, device, std::move(recipients), std::move(optional));
  ++second_.sends;
  outbox_[device].push_back(index);
  if (state_[device] == State::online) send_traced(device, index);
}

void SampleClients::send_traced(std::uint32_t device, std::uint32_t index) {
  pr::Send send;
  send.client_uuid = "s" + std::to_string(index);
  send.rid = send.client_uuid;
  send.body.text = "traced message " + std::to_string(index);
  const auto conv = checker_->conversation(index);
  if (is_group(conv)) {
    send.group = group_of(conv);
  } else {
    const auto pair = direct_members(conv).value();
    const UserId me{user_of_[device] + 1};
    send.to = pair.first == me ? pair.second : pair.first;
  }
  to_server(device, send);
  const auto session = session_[device];
  calendar_->after(ack_timeout_us, [this, device, index, session] {
    const auto& box = outbox_[device];
    if (session_[device] == session && state_[device] == State::online &&
        std::find(box.begin(), box.end(), index) != box.end()) {
      send_traced(device, index);  // same uuid: the chat service's dedup keeps one
    }
  });
}

std::optional<ConversationId> SampleClients::group_conversation_of(std::uint32_t group) const {
  if (group >= groups_.size() || !groups_[group].id) return std::nullopt;
  return group_conversation(groups_[group].id).value();
}

std::uint32_t SampleClients::largest_group() const {
  std::uint32_t best = 0;
  for (std::uint32_t g = 0; g < groups_.size(); ++g) {
    if (groups_[g].id && (!groups_[best].id || groups_[g].members.size() > groups_[best].members.size())) best = g;
  }
  return best;
}

// A hot group's member posts: the sender is a uniformly drawn member's device.
void SampleClients::send_to_group(Random& rng, std::uint32_t group, std::size_t fault) {
  const auto conv = group_conversation_of(group);
  if (!conv) return;
  const auto& members = groups_[group].members;
  const auto user = members[rng.uniform(members.size())];
  const auto span = first_device_[user + 1] - first_device_[user];
  if (span == 0) return;
  auto& effect = hot_[fault];
  ++effect.sends;
  effect.members = static_cast<std::uint32_t>(members.size());
  send_in(first_device_[user] + static_cast<std::uint32_t>(rng.uniform(span)), *conv, members);
}

// Whether the device's user is in the conversation: one of a direct pair, or a sampled group's
// member (groups are known from their group.create answer).
bool SampleClients::member_of(std::uint32_t device, ConversationId conv) const {
  const UserId me{user_of_[device] + 1};
  if (const auto pair = direct_members(conv)) return pair->first == me || pair->second == me;
  const auto group = group_of_conv_.find(conv);
  if (group == group_of_conv_.end()) return false;
  const auto& members = groups_[group->second].members;
  return std::find(members.begin(), members.end(), sample_user_of_[device]) != members.end();
}

bool SampleClients::settled_online(std::uint32_t device, TimeUs settled_us) const {
  return state_[device] == State::online && calendar_->now_us() - online_since_us_[device] >= settled_us;
}

std::vector<UserId> SampleClients::settled_online_users(TimeUs settled_us) const {
  std::vector<UserId> out;
  for (std::uint32_t d = 0; d < user_of_.size(); ++d) {
    if (settled_online(d, settled_us)) {
      out.push_back(UserId{user_of_[d] + 1});
    }
  }
  return out;
}

void SampleClients::heartbeat_all() {
  for (std::uint32_t d = 0; d < user_of_.size(); ++d) {
    if (state_[d] == State::online) to_server(d, pr::Ping{});
  }
}

SecondStats SampleClients::take_second() { return std::exchange(second_, SecondStats{}); }

}  // namespace parley::sim
