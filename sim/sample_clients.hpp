// The traced sample's clients: a seeded subset of the online users, each device a column in a
// struct of arrays, speaking the real wire protocol to the simulated
// gateways with its own access latency. Clients do what real ones do: authenticate, ack
// deliveries, ping, reconnect with exponential backoff and full jitter when their connection
// dies, then replay what they missed (sync) and resend unacknowledged messages (same uuid).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "checker.hpp"
#include "deployment.hpp"
#include "parley/metrics/histogram.hpp"
#include "parley/protocol.hpp"
#include "population_model.hpp"
#include "send_planner.hpp"
#include "user_events.hpp"

namespace parley::sim {

struct SampleConfig {
  std::uint32_t users = 1000;
  std::uint32_t gateways = 1;       // the sample lives on gateways 0 .. gateways-1
  std::uint32_t devices_max = 4;
  TimeUs backoff_base_us = 500'000;
  TimeUs backoff_cap_us = 30'000'000;
};

struct SecondStats {  // the sample this second (timeseries.csv)
  std::uint64_t sends = 0, acks = 0, deliveries = 0, errors = 0, late = 0;
  metrics::Histogram ack, delivery;
};

struct FaultEffect {  // what one gateway crash or reconnect storm did to the sampled clients
  std::uint64_t affected_devices = 0;
  std::uint64_t reconnected = 0;
  std::uint64_t superseded = 0;  // hit by a later crash before they reconnected (counted there)
  TimeUs last_reconnect_us = 0;  // from the fault
  std::uint64_t reconnect_attempts = 0;
};

struct UserEventCounts {  // the sample's own churn and reads (workload::UserEventPlanner)
  std::uint64_t churn_reconnects = 0;  // devices dropped by churn (each back after a second)
  std::uint64_t history_sent = 0, history_answered = 0;
  std::uint64_t searches_sent = 0, searches_answered = 0;
  std::uint64_t search_foreign_hits = 0;  // a hit from a conversation the user is not in
  // Typing indicators before sends and read marks after first deliveries, at the scenario's
  // typing_per_message and read_receipt_share; what came back, and any of either for a
  // conversation the device is not in (misdirected).
  std::uint64_t typing_sent = 0, typing_received = 0, typing_misdirected = 0;
  std::uint64_t reads_sent = 0, receipts_received = 0, receipts_misdirected = 0;
};

struct HotEffect {  // hot_group: traced deliveries of the hot group against every other one
  std::uint64_t sends = 0;
  std::uint32_t members = 0;  // sampled members of the hot group
  metrics::Histogram hot, others;
};

class SampleClients {
 public:
  SampleClients(const scenario::Scenario& scenario, const workload::PopulationModel& population,
                const SampleConfig& config,
                Deployment& deployment, EventCalendar& calendar, Checker& checker,
                std::uint64_t seed);

  void connect_all(TimeUs within_us);
  void create_groups(std::uint32_t count);
  // Planned mode: the sample is every online user (sampled user k is population user k), so the
  // traced traffic is the scenario's own plan, the one parley-load sends (workload::SendPlanner):
  // the scenario's groups (PopulationModel), and each planned send with the recipients of
  // workload::for_each_recipient. `intended_us` is when it is due (a group send waits for its group).
  // Devices connect as the plan's ramp says (SendPlanner::connect_at_s, as parley-load does); a
  // send's recipients still connecting when it is sent are optional, as parley-load's verifier
  // expects only devices up by then (a first connection does not sync the past).
  bool planned() const { return planned_; }
  void connect_planned(const workload::SendPlanner& planner);
  void create_planned_groups();
  void send_planned(const workload::PlannedSend& send, TimeUs intended_us);
  // One traced send from sampled user `user` (group with probability group_share).
  void send_message(Random& rng, double group_share);
  void heartbeat_all();
  // hot_group: the sample group that turns hot (nullopt if it does not exist yet), its traced
  // sends, and the window in which deliveries are split into hot and others.
  std::optional<ConversationId> group_conversation_of(std::uint32_t group) const;
  std::uint32_t group_count() const { return static_cast<std::uint32_t>(groups_.size()); }
  std::uint32_t largest_group() const;  // the first of the largest created groups
  void send_to_group(Random& rng, std::uint32_t group, std::size_t fault);
  void watch_hot(ConversationId conv, std::size_t fault) { hot_watch_[conv] = fault; }
  void unwatch_hot(ConversationId conv) { hot_watch_.erase(conv); }
  const std::map<std::size_t, HotEffect>& hot_effects() const { return hot_; }
  // Users of the devices online for at least `settled_us` (presence convergence).
  std::vector<UserId> settled_online_users(TimeUs settled_us) const;
  // The gateway died: its clients see their connections drop and start reconnecting.
  void gateway_crashed(std::uint32_t gw, std::size_t fault);
  // The scenario's churn and reads for sampled user `user` (the same planner parley-load runs):
  // a reconnect drops every online device of the user for a second (as parley-load does), a
  // history read asks one conversation's newest page, a search asks for "traced".
  void user_event(workload::UserEventKind kind, std::uint32_t user, Random& rng);
  const UserEventCounts& user_events() const { return user_events_; }
  std::uint32_t user_count() const { return static_cast<std::uint32_t>(first_device_.size() - 1); }
  // reconnect_storm: every online device (of gateway `gw`, or of all) drops its connection with
  // probability `fraction` and reconnects at a uniform time within `window_us`.
  void storm(std::optional<std::uint32_t> gw, double fraction, TimeUs window_us, std::size_t fault, Random& rng);

  std::uint64_t connected() const { return connected_; }
  // Online and connected for at least `settled_us` (a replay after connecting may be unfinished).
  bool settled_online(std::uint32_t device, TimeUs settled_us) const;
  DeviceRef device_ref(std::uint32_t device) const {
    return DeviceRef{UserId{user_of_[device] + 1}, DeviceId{device_id_[device]}};
  }
  std::uint64_t device_count() const { return user_of_.size(); }
  SecondStats take_second();
  const metrics::Histogram& ack_histogram() const { return ack_; }
  const metrics::Histogram& delivery_histogram() const { return delivery_; }
  const std::vector<FaultEffect>& faults() const { return faults_; }
  std::uint64_t groups_ready() const;
  std::uint64_t bytes_per_device() const;
  MessageId newest(std::uint32_t device, ConversationId conv) const {
    auto it = position_[device].find(conv);
    return it == position_[device].end() ? MessageId{} : it->second.newest;
  }

 private:
  enum class State : std::uint8_t { offline, connecting, online };

  void connect(std::uint32_t device);
  void drop(std::uint32_t device);
  void leave(std::uint32_t device, TimeUs back_after_us);
  bool member_of(std::uint32_t device, ConversationId conv) const;
  void disconnected(std::uint32_t device);
  void start_fault(std::size_t fault);
  void hit(std::uint32_t device, std::size_t fault);
  void to_server(std::uint32_t device, const protocol::ClientFrame& frame);
  void from_server(SessionId session, FramePtr frame);
  void handle(std::uint32_t device, const protocol::ServerFrame& frame);
  void on_auth(std::uint32_t device);
  void on_deliver(std::uint32_t device, const StoredMessage& m);
  void on_ack(const protocol::Ack& ack);
  void on_error(std::uint32_t device, const protocol::ErrorFrame& error);
  void send_traced(std::uint32_t device, std::uint32_t index);
  void send_in(std::uint32_t device, ConversationId conv, const std::vector<std::uint32_t>& members);
  // `typing`: indicators sent just before (nullopt: drawn at the scenario's typing_per_message).
  void send_traced_new(std::uint32_t device, ConversationId conv, std::vector<std::uint32_t> recipients,
                       TimeUs intended_us, std::vector<std::uint32_t> optional = {},
                       std::optional<std::uint32_t> typing = std::nullopt);
  void create_group(std::uint32_t creator, protocol::GroupCreate create);
  void request_sync(std::uint32_t device, const std::vector<ConversationId>& convs, MessageId after = {});
  std::vector<std::uint32_t> devices_of_user(std::uint32_t user) const;

  scenario::Scenario scenario_;
  SampleConfig config_;
  const workload::PopulationModel* population_;
  bool planned_ = false;
  Deployment* deployment_;
  EventCalendar* calendar_;
  Checker* checker_;
  Random rng_;
  Random typing_rng_;  // typing indicators and read marks, apart from the reconnect jitter
  // ---- the sample population, one column per field (device-indexed) ----
  std::vector<std::uint64_t> user_of_;          // real user index in the population
  std::vector<std::uint32_t> sample_user_of_;   // index among sampled users
  std::vector<std::uint8_t> device_id_;
  std::vector<std::uint16_t> gateway_;
  std::vector<std::uint64_t> session_;          // 0 when not connected
  std::vector<State> state_;
  std::vector<std::uint8_t> attempt_;
  std::vector<std::uint32_t> access_latency_us_;
  std::vector<TimeUs> online_since_us_;
  std::vector<std::uint8_t> reconnected_before_;  // 1 once the first session authenticated
  std::vector<TimeUs> recovering_until_us_;     // after a reconnect: replay and redeliveries
  std::vector<std::int32_t> fault_;             // the crash this device is recovering from, or -1
  std::vector<std::uint32_t> first_device_;     // per sampled user; devices are contiguous
  // Per conversation a device knows: the newest id it holds, and the id up to which it holds
  // everything (where its next sync starts). A live delivery moves `synced` only while no sync of
  // that conversation is outstanding: one arriving during a replay may be ahead of what the
  // replay has not sent yet, and a connection lost before sync.done must not skip that gap.
  struct Position {
    MessageId newest, synced;
  };
  std::vector<std::map<ConversationId, Position>> position_;
  std::vector<std::vector<std::uint32_t>> outbox_;              // traced sends not yet acked
  std::vector<std::set<ConversationId>> sync_pending_;          // synced, sync.done not yet seen
  // ---- groups of the sample ----
  struct SampleGroup {
    GroupId id;
    std::vector<std::uint32_t> members;  // sampled user indices
  };
  std::vector<SampleGroup> groups_;
  std::vector<std::vector<std::uint32_t>> groups_of_user_;
  std::map<std::uint32_t, std::vector<protocol::GroupCreate>> pending_creates_;  // creator device → its creates
  std::unordered_map<std::uint64_t, std::uint32_t> device_of_session_;
  std::uint64_t connected_ = 0;
  metrics::Histogram ack_, delivery_;
  SecondStats second_;
  std::map<ConversationId, std::uint32_t> group_of_conv_;  // sampled group by conversation
  UserEventCounts user_events_;
  std::vector<FaultEffect> faults_;
  std::vector<TimeUs> fault_at_us_;
  std::map<ConversationId, std::size_t> hot_watch_;  // hot conversation → its fault
  std::map<std::size_t, HotEffect> hot_;
};

}  // namespace parley::sim
