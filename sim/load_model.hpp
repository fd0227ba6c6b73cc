// The bulk: every user who is not in the traced sample exists only as arrival rates. Each second
// the rates (scenario workload × profile) times the per-operation costs (calibration) give each
// component's utilisation; an M/M/c queue per host (c = cores) turns utilisation into the waiting
// time a traced message experiences on each host it crosses, and a fluid backlog takes over when
// a component is overloaded (utilisation >= 1). docs/simulator.md explains why this is sound.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "calibration.hpp"
#include "parley/envelope.hpp"
#include "parley/random.hpp"
#include "parley/scenario/scenario.hpp"
#include "population_model.hpp"
#include "rate_profile.hpp"
#include "recipients.hpp"

namespace parley::sim {

// fanout: the fan-out worker tier of topology.chat_nodes.fanout = queue (no hosts in direct mode).
enum class Component : std::uint8_t { gateway, chat, store, presence, push, fanout };

// How many hosts of a component the topology has, and the cores of each.
std::uint64_t hosts_of(const scenario::Topology& t, Component kind);
std::uint32_t cores_of(const scenario::Topology& t, Component kind);
inline constexpr std::size_t component_count = 6;
std::string_view to_string(Component component);

struct ComponentState {
  std::uint64_t hosts = 1;
  std::uint64_t hosts_up = 1;
  std::uint32_t cores = 1;
  double busy_us_per_s = 0;   // CPU demand of the whole component this second
  double visit_us = 1;        // mean service time of one visit by a traced message
  double utilisation = 0;     // demand / capacity of the hosts that are up
  double backlog_s = 0;       // fluid backlog (per core) while overloaded
  double wait_probability = 0;
  double wait_rate_per_us = 1;  // the M/M/c conditional wait is Exp(c·μ − λ)
};

struct BulkRates {  // operations per second of the whole deployment
  double messages = 0;
  double deliveries = 0;       // online recipient devices
  double push_candidates = 0;  // offline recipient users
  double heartbeats = 0;
  double reconnects = 0;
  double history_reads = 0;
  double hot_messages = 0;     // of `messages`, those into the scenario's hot groups
  double hot_deliveries = 0;   // of `deliveries`, those of hot-group messages
  double queued_deliveries = 0;  // queue mode: of `deliveries`, those fanned out by the worker tier
  double queued_messages = 0;    // queue mode: messages whose fan-out went through the queue
};

class LoadModel {
 public:
  LoadModel(const scenario::Scenario& scenario, const workload::PopulationModel& population,
            const Calibration& calibration);

  // Recomputes rates, utilisation and queues for the second starting at t_s. `extra_reconnects`
  // is the storm a fault adds this second.
  void update(double t_s, double extra_reconnects);
  // Datacenter traffic through one host's link of each component this second, in bits/s: the
  // envelopes it receives and sends (submits, deliveries, store writes at their replicas, pushes).
  // Only a link_degradation's bandwidth_factor makes it matter (NetworkFaults).
  const std::array<double, component_count>& link_bits_per_s() const { return link_bits_per_s_; }
  double envelope_bits() const { return envelope_bits_; }
  void set_hosts_down(Component component, std::uint64_t down);

  // A hot group (fault hot_group): `messages_per_s` more messages into one group of `members`,
  // all handled by chat host `host` (its conversation's owner); nullopt ends it. Its fan-out loads
  // that one host (a per-host queue of its own) and the gateways that carry its deliveries.
  void set_hot_chat(std::optional<std::uint32_t> host, double messages_per_s, double members);
  std::optional<std::uint32_t> hot_chat() const { return hot_host_; }
  const ComponentState& hot_state() const { return hot_; }
  // The busiest chat host under the scenario's own hot groups (population.hot_groups): an even
  // share of the other chat work plus its hot groups' whole traffic (the component total hides it).
  const ComponentState& hot_groups_state() const { return hot_groups_state_; }

  // Whether a traced send into a group of `members` fans out through the queue (one extra hop
  // through the fan-out tier: a datacenter crossing plus its M/M/c wait, see queue_hop_us).
  bool queued_fanout(std::uint64_t members) const;
  void set_queued_conversation(ConversationId conv) { queued_convs_.insert(conv); }
  // The extra hop of a delivery (DeliverToDevice) of a queued conversation; 0 for any other
  // envelope, drawing nothing then, so direct mode's random stream is untouched.
  std::int64_t queue_hop_us(const Envelope& envelope, Random& rng) const;

  // A waiting time drawn for one visit to host `index` of `component` (µs).
  std::int64_t sample_wait_us(Component component, Random& rng, std::uint32_t index = ~0U) const;

  const ComponentState& state(Component c) const { return states_[static_cast<std::size_t>(c)]; }
  const BulkRates& rates() const { return rates_; }
  double mean_recipients_per_message() const { return recipients_; }
  double devices_per_user() const { return devices_; }
  const workload::DeliveryExpectation& expectation() const { return expected_; }

 private:
  void compute_rates(double t_s, double extra_reconnects);
  void compute_link_load();
  void compute_queue(ComponentState& s) const;
  void update_hot_groups(const ComponentState& chat, double fault_hot_us);
  // A client marks an open conversation read at most this often (it marks the newest message).
  static constexpr double read_mark_interval_s = 1.0;
  double read_marks(double deliveries, double members) const;
  double configured_hot_reads() const;
  double receipt_frames() const;
  double receipt_chat_us(double reads) const;
  double chat_share_us(double messages, double deliveries, bool queued) const;
  double fanout_job_us(double messages, double deliveries) const;
  double push_digest_factor() const;
  void scan_groups(const workload::PopulationModel& population);

  scenario::Scenario scenario_;
  Calibration cost_;
  workload::RateProfile profile_;
  double online_ = 0;
  workload::DeliveryExpectation expected_;
  double devices_ = 1;
  double recipients_ = 1;  // recipient users per message (1:1 and group mixed, size-biased)
  BulkRates rates_;
  std::array<double, component_count> link_bits_per_s_{};
  double envelope_bits_ = 0;  // a message envelope: mean payload plus routing and framing
  double decode_payload_us_ = 0, encode_payload_us_ = 0;  // per message, for its mean payload
  std::array<ComponentState, component_count> states_{};
  std::optional<std::uint32_t> hot_host_;
  double hot_messages_ = 0, hot_members_ = 0;
  ComponentState hot_;  // the hot chat host alone
  double hot_groups_ = 0, hot_groups_busiest_ = 0;  // configured hot groups; on the busiest host
  ComponentState hot_groups_state_;
  bool queue_mode_ = false;
  std::uint64_t queue_threshold_ = 0;
  bool hot_groups_queued_ = false;        // the configured hot groups are at/above the threshold
  double queued_group_delivery_share_ = 0;  // regular groups' deliveries from groups >= threshold
  double queued_group_message_share_ = 0;   // and their messages
  std::vector<double> regular_sizes_;     // scanned regular group sizes (push digest rates)
  double regular_groups_ = 0;             // regular groups in the population
  std::set<ConversationId> queued_convs_;  // traced conversations whose fan-out is queued
};

// Erlang C: probability that an arrival waits in an M/M/c queue with offered load a = λ/μ.
double erlang_c(std::uint32_t servers, double offered_load);

}  // namespace parley::sim
