// The bulk load model: see load_model.hpp.
#include "load_model.hpp"

#include <algorithm>
#include <cmath>

#include "population_model.hpp"
#include "recipients.hpp"
#include "sampler.hpp"

namespace parley::sim {
namespace {

constexpr double envelope_overhead_bytes = 160;  // ids, routing slip, JSON framing, TCP/IP headers
constexpr double calibrated_text_bytes = 70;     // the text of BM_DecodeSend / BM_EncodeDeliver

}  // namespace

std::string_view to_string(Component component) {
  switch (component) {
    case Component::gateway: return "gateway";
    case Component::chat: return "chat";
    case Component::store: return "store";
    case Component::presence: return "presence";
    case Component::push: return "push";
    case Component::fanout: return "fanout";
  }
  return "?";
}

double erlang_c(std::uint32_t servers, double a) {
  if (servers == 0) return 1;
  const double rho = a / servers;
  if (rho >= 1) return 1;
  double b = 1;  // Erlang B by the stable recurrence
  for (std::uint32_t k = 1; k <= servers; ++k) b = a * b / (k + a * b);
  return b / (1 - rho * (1 - b));
}

LoadModel::LoadModel(const scenario::Scenario& scenario, const workload::PopulationModel& population,
                     const Calibration& calibration)
    : scenario_(scenario),
      cost_(calibration),
      profile_(scenario.workload.profile, scenario.ramp_s),
      online_(static_cast<double>(scenario::online_users(scenario.population))),
      expected_(workload::expected_deliveries(population, scenario)),
      devices_(expected_.devices_per_user),
      recipients_(expected_.recipient_users),
      envelope_bits_((workload::Sampler(scenario.workload.payload_bytes).mean() + envelope_overhead_bytes) * 8) {
  // The text a message carries beyond the one decode_us and encode_us were measured with.
  const double extra_kb =
      std::max(0.0, workload::Sampler(scenario.workload.payload_bytes).mean() - calibrated_text_bytes) / 1024;
  decode_payload_us_ = cost_.decode_us_per_kb * extra_kb;
  encode_payload_us_ = cost_.encode_us_per_kb * extra_kb;
  // The scenario's hot groups: each is one conversation, owned by one chat host; spread evenly,
  // the busiest chat host owns ceil(hot groups / chat hosts) of them.
  const auto hot_groups = scenario.population.hot_groups.count;
  const auto chat_hosts = std::max<std::uint64_t>(scenario.topology.chat_nodes.count, 1);
  hot_groups_ = static_cast<double>(hot_groups);
  hot_groups_busiest_ = static_cast<double>((hot_groups + chat_hosts - 1) / chat_hosts);
  const auto& t = scenario.topology;
  auto set = [&](Component c, std::uint64_t hosts, std::uint32_t cores, double visit_us) {
    auto& s = states_[static_cast<std::size_t>(c)];
    s.hosts = s.hosts_up = std::max<std::uint64_t>(hosts, 1);
    s.cores = std::max<std::uint32_t>(cores, 1);
    s.visit_us = std::max(visit_us, 0.01);
  };
  set(Component::gateway, t.gateways.count, t.gateways.cores,
      cost_.decode_us + cost_.gateway_frame_us);
  set(Component::chat, t.chat_nodes.count, t.chat_nodes.cores, cost_.chat_path_us);
  set(Component::store, t.store.nodes, t.store.cores, cost_.store_write_us);
  set(Component::presence, t.redis_shards.count, t.redis_shards.cores, cost_.presence_write_us);
  set(Component::push, t.push.count, t.push.cores, cost_.push_policy_us);
  set(Component::fanout, 1, t.chat_nodes.fanout_workers.cores, cost_.fanout_us_per_recipient * 2);
  // Direct mode has no fan-out tier: no hosts, so it reports nothing and is never visited.
  auto& fanout = states_[static_cast<std::size_t>(Component::fanout)];
  fanout.hosts = fanout.hosts_up = hosts_of(t, Component::fanout);
  queue_mode_ = t.chat_nodes.fanout == scenario::FanoutMode::queue;
  queue_threshold_ = t.chat_nodes.fanout_queue_threshold;
  hot_groups_queued_ = queue_mode_ && hot_groups > 0 && expected_.hot_per_send > 0 &&
                       population.group_size(0) >= queue_threshold_;
  scan_groups(population);
}

// The regular groups' sizes (the first groups_scanned_max of them, as recipients.cpp scans): the
// share of their deliveries that the queue takes, and the per-group rates the push digest needs.
// Groups are picked in proportion to their size, so a group of s members carries a share ∝ s of
// the messages and ∝ s·(s − 1) of the deliveries.
void LoadModel::scan_groups(const workload::PopulationModel& population) {
  constexpr std::uint64_t groups_scanned_max = 20'000;
  std::uint64_t hot = 0;
  while (hot < population.group_count() && population.is_hot(hot)) ++hot;
  const std::uint64_t regular = population.group_count() - hot;
  regular_groups_ = static_cast<double>(regular);
  double all = 0, queued = 0, sizes = 0, queued_sizes = 0;
  for (std::uint64_t g = hot; g < hot + std::min(regular, groups_scanned_max); ++g) {
    const auto size = static_cast<double>(population.group_size(g));
    regular_sizes_.push_back(size);
    all += size * (size - 1);
    sizes += size;
    if (population.group_size(g) < queue_threshold_) continue;
    queued += size * (size - 1);
    queued_sizes += size;
  }
  queued_group_delivery_share_ = queue_mode_ && all > 0 ? queued / all : 0;
  queued_group_message_share_ = queue_mode_ && sizes > 0 ? queued_sizes / sizes : 0;
}

bool LoadModel::queued_fanout(std::uint64_t members) const {
  return queue_mode_ && members >= queue_threshold_;
}

std::int64_t LoadModel::queue_hop_us(const Envelope& envelope, Random& rng) const {
  const auto* delivery = std::get_if<env::DeliverToDevice>(&envelope);
  if (delivery == nullptr || !queued_convs_.contains(delivery->conv)) return 0;
  const double link_us = scenario_.topology.network.datacenter_link_latency_ms * 1000;
  return static_cast<std::int64_t>(link_us) + sample_wait_us(Component::fanout, rng);
}

// The chat host's part of `messages` into groups with `deliveries`: the message path, and either
// the whole fan-out (direct) or one job written to the queue (queued).
double LoadModel::chat_share_us(double messages, double deliveries, bool queued) const {
  const double path = messages * (cost_.chat_path_us + cost_.encode_us + encode_payload_us_);
  return queued ? path + messages * cost_.fanout_us_per_recipient
                : path + deliveries * cost_.fanout_us_per_recipient * 2;
}

// Read marks for `deliveries` per second into groups with `members` members in all: one per
// delivery read, but a client marks an open conversation read at most once per
// read_mark_interval_s (it marks the newest message it shows), which only binds in hot groups.
double LoadModel::read_marks(double deliveries, double members) const {
  const double per_member_max = expected_.online_share * devices_ / read_mark_interval_s;
  return std::min(deliveries, members * per_member_max) * scenario_.workload.read_receipt_share;
}

double LoadModel::configured_hot_reads() const {
  return read_marks(rates_.hot_deliveries, hot_groups_ * static_cast<double>(scenario_.population.hot_groups.size));
}

// Receipt frames per read: the reader's other devices and about one author's devices.
double LoadModel::receipt_frames() const { return expected_.online_share * (2.0 * devices_ - 1.0); }

// The owning chat node's part of `reads` read marks: store the mark, find the covered messages'
// authors, send them and the reader's other devices a receipt.
double LoadModel::receipt_chat_us(double reads) const {
  return reads * (cost_.chat_path_us + cost_.encode_us + receipt_frames() * cost_.fanout_us_per_recipient);
}

// The fan-out tier's part: read the job, then send every copy and take its ack.
double LoadModel::fanout_job_us(double messages, double deliveries) const {
  return messages * (cost_.decode_us + decode_payload_us_) + deliveries * cost_.fanout_us_per_recipient * 2;
}

// Push digest (docs/simulator.md): a conversation with Poisson message rate λ notifies an offline
// member at rate λ / (1 + λ·T) — each digest covers the first message and the rest of its
// interval T. The factor is that rate over λ, averaged over the group messages (hot groups at
// their own rate, each regular group at its size-proportional share).
double LoadModel::push_digest_factor() const {
  const auto& digest = scenario_.workload.push_digest;
  const double group_messages = rates_.messages * scenario_.workload.group_share;
  if (!digest.enabled || group_messages <= 0) return 1;
  const double t = digest.interval_s;
  const double hot = std::min(rates_.hot_messages, group_messages);
  double factor = 0;
  if (hot > 0) factor += hot / (1 + hot / std::max(hot_groups_, 1.0) * t);
  double total_size = 0;
  for (double size : regular_sizes_) total_size += size;
  const double regular = group_messages - hot;
  if (regular > 0 && total_size > 0) {
    // The scanned groups stand for all regular groups: scale their share of the messages.
    const double scale = regular_groups_ / static_cast<double>(regular_sizes_.size());
    for (double size : regular_sizes_) {
      const double lambda = regular * size / (total_size * scale);
      factor += lambda * scale / (1 + lambda * t);
    }
  }
  return factor / group_messages;
}

void LoadModel::set_hosts_down(Component component, std::uint64_t down) {
  auto& s = states_[static_cast<std::size_t>(component)];
  s.hosts_up = s.hosts > down ? s.hosts - down : 0;
}

void LoadModel::compute_rates(double t_s, double extra_reconnects) {
  const auto& w = scenario_.workload;
  const double connected = online_ * std::min(1.0, scenario_.ramp_s > 0 ? t_s / scenario_.ramp_s : 1.0);
  rates_.messages = online_ * w.messages_per_user_per_s * profile_.multiplier_at(t_s);
  // The shared definition (workload/recipients.hpp): online recipients' devices and the sender's
  // other devices, hot groups included at their rate multiplier; offline recipients get a push.
  rates_.deliveries = rates_.messages * expected_.per_send;
  rates_.push_candidates = rates_.messages * recipients_ * (1 - expected_.online_share);
  rates_.hot_messages = rates_.messages * expected_.hot_send_share;
  rates_.hot_deliveries = rates_.hot_messages * expected_.hot_per_send;
  // Queue mode: the hot groups' fan-out if they reach the threshold, and the regular groups'
  // deliveries from groups at or above it (the 1:1 and sender-device copies stay on chat).
  const double group_messages = rates_.messages * (regular_groups_ + hot_groups_ > 0 ? w.group_share : 0);
  const double regular_messages = std::max(0.0, group_messages - rates_.hot_messages);
  const double regular_deliveries = std::max(
      0.0, rates_.deliveries - rates_.hot_deliveries -
               (rates_.messages - group_messages) * (expected_.online_share * devices_ + devices_ - 1) -
               regular_messages * (devices_ - 1));
  rates_.queued_deliveries = regular_deliveries * queued_group_delivery_share_;
  rates_.queued_messages = regular_messages * queued_group_message_share_;
  if (hot_groups_queued_) {
    rates_.queued_deliveries += rates_.hot_deliveries;
    rates_.queued_messages += rates_.hot_messages;
  }
  // Push digest: the group part of the push candidates, (g·m)·(S_b − 1)·(1 − c), shrinks by the
  // digest factor; 1:1 messages still notify each time.
  const double group_push = group_messages * (expected_.group_size_biased - 1) * (1 - expected_.online_share);
  rates_.push_candidates -= group_push * (1 - push_digest_factor());
  rates_.heartbeats = w.heartbeat_interval_s > 0 ? connected * devices_ / w.heartbeat_interval_s : 0;
  rates_.reconnects = connected * devices_ * w.reconnects_per_user_per_hour / 3600 + extra_reconnects;
  rates_.history_reads = connected * w.history_reads_per_user_per_hour / 3600;
}

// Each message crosses gateway → chat once, chat → store at every replica, and chat (or the
// fan-out tier) → gateway once per delivery; a push candidate crosses chat → push. Both ends of a
// crossing carry it. Receipts, typing and registry traffic are small frames and left out.
void LoadModel::compute_link_load() {
  const auto& r = rates_;
  const double replication = scenario_.topology.store.replication_factor;
  const double hot = hot_messages_ * hot_members_ * expected_.online_share * devices_;
  const double deliveries = r.deliveries + hot;
  const double messages = r.messages + hot_messages_;
  auto per_host = [&](Component c, double envelopes) {
    const auto up = std::max<std::uint64_t>(states_[static_cast<std::size_t>(c)].hosts_up, 1);
    link_bits_per_s_[static_cast<std::size_t>(c)] = envelopes * envelope_bits_ / static_cast<double>(up);
  };
  const double queued = r.queued_deliveries;
  per_host(Component::gateway, messages + deliveries);
  per_host(Component::chat, messages + messages * replication + deliveries - queued + r.queued_messages + r.push_candidates);
  per_host(Component::fanout, r.queued_messages + queued);
  per_host(Component::store, messages * replication);
  per_host(Component::push, r.push_candidates);
  per_host(Component::presence, 0);
}

void LoadModel::update(double t_s, double extra_reconnects) {
  compute_rates(t_s, extra_reconnects);
  const auto& r = rates_;
  const double typing = scenario_.workload.typing_per_message;
  const double receipts = scenario_.workload.read_receipt_share;
  auto& gw = states_[static_cast<std::size_t>(Component::gateway)];
  const double frames_in = r.messages * (1 + typing) + r.deliveries * (1 + receipts);
  gw.busy_us_per_s = frames_in * (cost_.decode_us + cost_.gateway_frame_us) + r.messages * decode_payload_us_ +
                     (r.messages + r.deliveries) * (cost_.gateway_frame_us + cost_.encode_us) +
                     r.heartbeats * cost_.heartbeat_us + r.reconnects * cost_.reconnect_us;
  auto& chat = states_[static_cast<std::size_t>(Component::chat)];
  // Fan-out and its ack per delivery; in queue mode the queued deliveries leave for the worker
  // tier and the chat node writes one job per queued message instead.
  chat.busy_us_per_s = r.messages * (cost_.chat_path_us + cost_.encode_us + encode_payload_us_) +
                       (r.deliveries - r.queued_deliveries) * cost_.fanout_us_per_recipient * 2 +
                       r.queued_messages * cost_.fanout_us_per_recipient +
                       r.history_reads * cost_.chat_path_us;
  auto& fanout = states_[static_cast<std::size_t>(Component::fanout)];
  fanout.busy_us_per_s = fanout_job_us(r.queued_messages, r.queued_deliveries);
  // The hot group: its messages all land on one chat node; its deliveries spread over gateways.
  const double hot_deliveries = hot_messages_ * hot_members_ * expected_.online_share * devices_;
  const bool hot_queued = queued_fanout(static_cast<std::uint64_t>(hot_members_));
  // Reads of the hot group's messages are handled by its owner too (their receipts go on top).
  const double hot_reads = read_marks(hot_deliveries, hot_members_);
  const double hot_chat_us = chat_share_us(hot_messages_, hot_deliveries, hot_queued) + receipt_chat_us(hot_reads);
  chat.busy_us_per_s += hot_chat_us;
  if (hot_queued) fanout.busy_us_per_s += fanout_job_us(hot_messages_, hot_deliveries);
  gw.busy_us_per_s += hot_deliveries * (1 + receipts) * (cost_.decode_us + 2 * cost_.gateway_frame_us + cost_.encode_us);
  // Read receipts (protocol.md `read`): each read is stored once and goes out to the reader's
  // other devices and about one author's devices, never to the whole group; a group read also
  // pages the messages it newly covers to find their authors.
  const double reads = (r.deliveries - r.hot_deliveries) * receipts + configured_hot_reads();
  gw.busy_us_per_s += (reads + hot_reads) * receipt_frames() * cost_.gateway_frame_us;
  chat.busy_us_per_s += receipt_chat_us(reads);
  const double replication = scenario_.topology.store.replication_factor;
  auto& store = states_[static_cast<std::size_t>(Component::store)];
  store.busy_us_per_s = r.messages * cost_.store_writes_per_message * replication * cost_.store_write_us +
                        reads * (replication * cost_.store_write_us +
                                 scenario_.workload.group_share * cost_.store_read_us) +
                        (r.history_reads + r.reconnects) * cost_.store_read_us;
  states_[static_cast<std::size_t>(Component::presence)].busy_us_per_s =
      (r.heartbeats + r.reconnects) * cost_.presence_write_us;
  states_[static_cast<std::size_t>(Component::push)].busy_us_per_s =
      r.push_candidates * (cost_.push_policy_us + cost_.push_send_share * cost_.push_us);
  for (auto& s : states_) compute_queue(s);
  compute_link_load();
  update_hot_groups(chat, hot_chat_us);
  if (hot_host_) {
    hot_.hosts = hot_.hosts_up = 1;
    hot_.cores = chat.cores;
    hot_.visit_us = chat.visit_us;
    const double others = chat.busy_us_per_s - hot_chat_us;
    hot_.busy_us_per_s = others / static_cast<double>(std::max<std::uint64_t>(chat.hosts_up, 1)) + hot_chat_us;
    compute_queue(hot_);
  }
}

// The configured hot groups' share of the chat work is already in the component's total (their
// messages and fan-out are part of the rates); what the total hides is that each lands on one
// host: the busiest chat host carries an even share of the rest plus its hot groups entirely.
void LoadModel::update_hot_groups(const ComponentState& chat, double fault_hot_us) {
  const auto& r = rates_;
  const double hot_us = chat_share_us(r.hot_messages, r.hot_deliveries, hot_groups_queued_) +
                        receipt_chat_us(configured_hot_reads());
  const double hosts = static_cast<double>(std::max<std::uint64_t>(chat.hosts_up, 1));
  const double per_group_us = hot_groups_ > 0 ? hot_us / hot_groups_ : 0;
  hot_groups_state_.hosts = hot_groups_state_.hosts_up = 1;
  hot_groups_state_.cores = chat.cores;
  hot_groups_state_.visit_us = chat.visit_us;
  hot_groups_state_.busy_us_per_s =
      (chat.busy_us_per_s - fault_hot_us - hot_us) / hosts + per_group_us * std::min(hot_groups_busiest_, hot_groups_);
  compute_queue(hot_groups_state_);
}

void LoadModel::set_hot_chat(std::optional<std::uint32_t> host, double messages_per_s, double members) {
  // Ending a hot spell keeps the host (rate 0) so that its backlog drains instead of vanishing.
  if (host != hot_host_) hot_ = ComponentState{};
  hot_host_ = host;
  hot_messages_ = host ? messages_per_s : 0;
  hot_members_ = host ? members : 0;
}

void LoadModel::compute_queue(ComponentState& s) const {
  const double capacity_us_per_s = static_cast<double>(s.hosts_up) * s.cores * 1e6;
  if (capacity_us_per_s <= 0) {  // every host down: requests fail at once, nothing queues
    s.utilisation = s.backlog_s = s.wait_probability = 0;
    return;
  }
  s.utilisation = s.busy_us_per_s / capacity_us_per_s;
  // Fluid backlog: overload adds (ρ − 1) seconds of work per second, spare capacity drains it.
  s.backlog_s = std::max(0.0, s.backlog_s + (s.utilisation - 1));
  const double rho = std::min(s.utilisation, 0.999);
  const double mu_per_us = 1 / s.visit_us;
  s.wait_probability = erlang_c(s.cores, rho * s.cores);
  s.wait_rate_per_us = s.cores * mu_per_us * (1 - rho);
}

std::int64_t LoadModel::sample_wait_us(Component component, Random& rng, std::uint32_t index) const {
  const bool hot = component == Component::chat && hot_host_ && *hot_host_ == index;
  const auto& s = hot ? hot_ : state(component);
  double wait_us = s.backlog_s * 1e6;
  const double u = rng.unit();  // one draw per visit, always, so the stream does not depend on ρ
  if (u < s.wait_probability) wait_us += -std::log(1 - u / s.wait_probability) / s.wait_rate_per_us;
  return static_cast<std::int64_t>(wait_us + s.visit_us);
}

std::uint64_t hosts_of(const scenario::Topology& t, Component kind) {
  switch (kind) {
    case Component::gateway: return t.gateways.count;
    case Component::chat: return t.chat_nodes.count;
    case Component::store: return t.store.nodes;
    case Component::presence: return t.redis_shards.count;
    case Component::push: return t.push.count;
    case Component::fanout:
      return t.chat_nodes.fanout == scenario::FanoutMode::queue ? t.chat_nodes.fanout_workers.count : 0;
  }
  return 0;
}

std::uint32_t cores_of(const scenario::Topology& t, Component kind) {
  switch (kind) {
    case Component::gateway: return t.gateways.cores;
    case Component::chat: return t.chat_nodes.cores;
    case Component::store: return t.store.cores;
    case Component::presence: return t.redis_shards.cores;
    case Component::push: return t.push.cores;
    case Component::fanout: return t.chat_nodes.fanout_workers.cores;
  }
  return 1;
}

}  // namespace parley::sim
