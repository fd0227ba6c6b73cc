// The bulk load model: see load_model.hpp.
#include "load_model.hpp"

#include <algorithm>
#include <cmath>

#include "population_model.hpp"
#include "recipients.hpp"

namespace parley::sim {

std::string_view to_string(Component component) {
  switch (component) {
    case Component::gateway: return "gateway";
    case Component::chat: return "chat";
    case Component::store: return "store";
    case Component::presence: return "presence";
    case Component::push: return "push";
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
      recipients_(expected_.recipient_users) {
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
  rates_.heartbeats = w.heartbeat_interval_s > 0 ? connected * devices_ / w.heartbeat_interval_s : 0;
  rates_.reconnects = connected * devices_ * w.reconnects_per_user_per_hour / 3600 + extra_reconnects;
  rates_.history_reads = connected * w.history_reads_per_user_per_hour / 3600;
}

void LoadModel::update(double t_s, double extra_reconnects) {
  compute_rates(t_s, extra_reconnects);
  const auto& r = rates_;
  const double typing = scenario_.workload.typing_per_message;
  const double receipts = scenario_.workload.read_receipt_share;
  auto& gw = states_[static_cast<std::size_t>(Component::gateway)];
  const double frames_in = r.messages * (1 + typing) + r.deliveries * (1 + receipts);
  gw.busy_us_per_s = frames_in * (cost_.decode_us + cost_.gateway_frame_us) +
                     (r.messages + r.deliveries) * (cost_.gateway_frame_us + cost_.encode_us) +
                     r.heartbeats * cost_.heartbeat_us + r.reconnects * cost_.reconnect_us;
  auto& chat = states_[static_cast<std::size_t>(Component::chat)];
  chat.busy_us_per_s = r.messages * (cost_.chat_path_us + cost_.encode_us) +
                       r.deliveries * cost_.fanout_us_per_recipient * 2 +  // fan-out and its ack
                       r.history_reads * cost_.chat_path_us;
  // The hot group: its messages all land on one chat node; its deliveries spread over gateways.
  const double hot_deliveries = hot_messages_ * hot_members_ * expected_.online_share * devices_;
  const double hot_chat_us = hot_messages_ * (cost_.chat_path_us + cost_.encode_us) +
                             hot_deliveries * cost_.fanout_us_per_recipient * 2;
  chat.busy_us_per_s += hot_chat_us;
  gw.busy_us_per_s += hot_deliveries * (1 + receipts) * (cost_.decode_us + 2 * cost_.gateway_frame_us + cost_.encode_us);
  auto& store = states_[static_cast<std::size_t>(Component::store)];
  store.busy_us_per_s = r.messages * cost_.store_writes_per_message *
                            scenario_.topology.store.replication_factor * cost_.store_write_us +
                        (r.history_reads + r.reconnects) * cost_.store_read_us;
  states_[static_cast<std::size_t>(Component::presence)].busy_us_per_s =
      (r.heartbeats + r.reconnects) * cost_.presence_write_us;
  states_[static_cast<std::size_t>(Component::push)].busy_us_per_s =
      r.push_candidates * (cost_.push_policy_us + cost_.push_send_share * cost_.push_us);
  for (auto& s : states_) compute_queue(s);
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
  const double hot_us = r.hot_messages * (cost_.chat_path_us + cost_.encode_us) +
                        r.hot_deliveries * cost_.fanout_us_per_recipient * 2;
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
  }
  return 1;
}

}  // namespace parley::sim
