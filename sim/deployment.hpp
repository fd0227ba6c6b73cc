// The traced sample's servers: the core's own roles (Gateway, ChatService, Presence, PushPolicy)
// hosted on the platform's hosts, created when first touched. Every effect is carried out here
// with modelled costs: a Route crosses the datacenter (SimGrid route latency) and waits in the
// destination host's queue (LoadModel); a StoreRequest runs against one MemoryStore standing for
// the store cluster after a sampled quorum latency. Nothing of routing, dedup, fan-out, retries or
// presence is decided here: destination_of() and the roles decide.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "event_calendar.hpp"
#include "load_model.hpp"
#include "network_faults.hpp"
#include "parley/chat_service.hpp"
#include "parley/gateway.hpp"
#include "parley/memory_store.hpp"
#include "parley/presence.hpp"
#include "parley/push_policy.hpp"
#include "parley/random.hpp"
#include "parley/scenario/scenario.hpp"
#include "platform.hpp"
#include "sampler.hpp"

namespace parley::sim {

struct DeploymentStats {
  std::uint64_t envelopes = 0;
  std::uint64_t envelopes_lost_host_down = 0;  // routed to a host that was off on arrival
  std::uint64_t store_ops = 0;
  std::uint64_t store_completions_lost = 0;    // the issuing role's host crashed meanwhile
  std::uint64_t store_ops_unavailable = 0;     // too few live replicas: failed after the timeout
  std::uint64_t store_ops_degraded = 0;        // served with a replica down (slower quorum)
  std::uint64_t pushes = 0;
  std::uint64_t role_instances = 0;
  std::uint64_t envelopes_lost_partition = 0;  // sent across a cut between zones
  std::uint64_t registry_ops_unavailable = 0;  // shard failing over or across a cut
  std::uint64_t writes_lost_unsynced = 0;      // in flight when their chat node died (never acked)
  std::uint64_t ids_not_monotonic = 0;         // a chat node appended an id not above its last
};

// What one fault did inside the deployment (indexed like the run's fault list).
struct FaultCounters {
  std::uint64_t envelopes_lost = 0;          // to a host it turned off, or across its cut
  std::uint64_t envelopes_delayed = 0;       // crossed a link it degraded
  std::uint64_t retransmits = 0;             // TCP retransmissions on its lossy links
  std::uint64_t store_ops_unavailable = 0;   // too few reachable replicas: failed after the timeout
  std::uint64_t registry_ops_unavailable = 0;
  std::uint64_t store_completions_lost = 0;  // answers to a host it turned off
  std::uint64_t writes_lost_unsynced = 0;    // lose_unsynced_writes: never durable, never acked
  std::uint64_t messages_lost_unacked = 0;   // of which message appends
  // store_node_loss with lose_unsynced_writes: appends the node took in within the commit-log sync
  // period and lost; those no other replica held are gone from the store (acknowledged and lost).
  std::uint64_t unsynced_appends_on_node = 0;
  std::uint64_t messages_lost_acknowledged = 0;
  std::uint64_t presence_entries_lost = 0;   // users its shard held online when it failed over
  std::uint64_t ids_after_step = 0;          // ids its stepped clock's node issued afterwards
  std::uint64_t ids_not_monotonic = 0;       // of which not above the node's previous id
};

// A host's own clock: the calendar plus an offset that a clock_step fault changes.
class HostClock final : public Clock {
 public:
  explicit HostClock(const Clock& base) : base_(&base) {}
  TimeMs now_ms() const override {
    const auto t = static_cast<std::int64_t>(base_->now_ms()) + offset_ms_;
    return static_cast<TimeMs>(t < 0 ? 0 : t);
  }
  void step(std::int64_t ms) { offset_ms_ += ms; }
  std::int64_t offset_ms() const { return offset_ms_; }

 private:
  const Clock* base_;
  std::int64_t offset_ms_ = 0;
};

class Deployment {
 public:
  using FrameSink = std::function<void(SessionId, FramePtr)>;
  using CloseSink = std::function<void(SessionId, ErrorCode)>;

  Deployment(const scenario::Scenario& scenario, const Calibration& calibration, Platform& platform,
             EventCalendar& calendar, const LoadModel& load, std::uint64_t seed);

  void set_client_sinks(FrameSink on_frame, CloseSink on_close);

  // The transport side of gateway `gw` (what a WebSocket server does), at the calendar's now.
  SessionId open(std::uint32_t gw);
  void frame_in(std::uint32_t gw, SessionId session, std::string text);
  void closed(std::uint32_t gw, SessionId session);

  // Faults: a crash loses the host's role state (not the store); a restart starts it empty.
  // With lose_unsynced_writes, the writes a crashed chat node had in flight never become durable,
  // and a lost store node loses the appends it took in within the commit-log sync period: those no
  // other replica holds are gone from the store.
  void crash(HostRef host, std::size_t fault, bool lose_unsynced_writes = false);
  // The store_node_loss that took this acknowledged message out of the store, if one did.
  std::optional<std::size_t> forgotten_by(ConversationId conv, MessageId id) const;
  void restart(HostRef host);
  // redis_failover: the shard's presence entries are lost (the role restarts empty at once) and
  // registry operations on it fail until restore_shard(); entries written before survive on the
  // promoted replica.
  void fail_over_shard(std::uint32_t shard, std::size_t fault);
  void restore_shard(std::uint32_t shard);
  void step_clock(HostRef host, std::int64_t ms, std::size_t fault);
  NetworkFaults& network() { return network_; }
  void set_fault_count(std::size_t n) { counters_.resize(n); }
  const std::vector<FaultCounters>& fault_counters() const { return counters_; }
  // Whether the presence shard of `user` holds it online (the presence convergence check).
  bool presence_online(UserId user);
  // The fault that left `device` out of the registry at time `at`: its RegistryConnect failed
  // (shard failing over or across a cut), so until a connect succeeds the chat service finds no
  // live session for it. The gateway retries the connect and has the device sync once it is in,
  // which replays what it missed: only a device still out at the end of the run (or let in less
  // than `settle_us` before it, its sync may be unfinished) can be missing a message for this.
  static constexpr TimeUs registry_settle_us = 5'000'000;  // a sync and its replay, with margin
  std::optional<std::size_t> unregistered_by(DeviceRef device, TimeUs at, TimeUs settle_us = registry_settle_us) const;
  // The chat host that owns a conversation.
  std::uint32_t chat_host_of(ConversationId conv) const;
  bool is_on(HostRef host) const { return platform_->is_on(host); }

  void tick_all();  // every live role's deadlines
  const DeploymentStats& stats() const { return stats_; }
  MemoryStore& store() { return store_; }

 private:
  using AnyRole = std::variant<Gateway, ChatService, Presence, PushPolicy>;
  struct Instance {
    std::unique_ptr<AnyRole> role;
    std::uint64_t epoch = 0;
  };

  Instance& instance(HostRef host);
  HostRef host_of(const Destination& destination) const;
  void dispatch(HostRef from, std::vector<Effect> effects);
  void run_store(HostRef from, StoreRequest request);
  struct StorePlan {
    std::int64_t latency_us = 0;
    bool available = true;
    std::vector<std::uint32_t> replicas;  // the store nodes that take the write
  };
  // A message append that may not be on disk yet at the replicas that took it.
  struct UnsyncedAppend {
    TimeUs at = 0;
    ConversationId conv;
    MessageId id;
    std::vector<std::uint32_t> replicas;  // still holding it
  };
  void note_unsynced(const StoreRequest& request, const store::Outcome& outcome, std::vector<std::uint32_t> replicas);
  void lose_unsynced_appends(std::uint32_t node, std::size_t fault);
  StorePlan plan_store(const StoreRequest& request, HostRef from);
  StorePlan plan_registry(const StoreRequest& request, HostRef from);
  // Route latency + degraded links, for a crossing that starts at `at_us` (default: now).
  std::int64_t crossing_us(HostRef from, HostRef to, std::optional<TimeUs> at_us = std::nullopt);
  std::int64_t round_trip_us(HostRef from, HostRef to, std::int64_t service_us);
  void note_append(HostRef from, const store::Op& op);
  HostClock& clock_of(HostRef host);
  template <class Input>
  void step(HostRef at, Input input);

  scenario::Scenario scenario_;
  Calibration cost_;
  Platform* platform_;
  EventCalendar* calendar_;
  const LoadModel* load_;
  Random rng_;
  workload::Sampler write_latency_;
  workload::Sampler read_latency_;
  MemoryStore store_;
  std::map<HostRef, Instance> instances_;
  std::map<HostRef, std::uint64_t> epochs_;
  std::map<HostRef, std::unique_ptr<HostClock>> clocks_;
  std::map<std::pair<HostRef, HostRef>, TimeUs> fifo_;  // latest arrival per host pair
  std::map<HostRef, std::size_t> down_by_;               // the fault that turned a host off
  std::map<std::pair<HostRef, std::uint64_t>, std::size_t> unsynced_lost_;  // (host, epoch) → fault
  std::map<std::uint32_t, std::size_t> failing_over_;    // shard → fault
  std::map<HostRef, std::size_t> stepped_;               // host → its latest clock_step fault
  std::map<ConversationId, MessageId> last_append_;  // newest id appended per conversation
  std::deque<UnsyncedAppend> unsynced_;              // appends of the last sync period, oldest first
  bool track_unsynced_ = false;                      // a store_node_loss will lose them
  std::map<std::pair<ConversationId, MessageId>, std::size_t> forgotten_;  // → store_node_loss
  struct Unregistered {
    TimeUs from = 0, to = 0;
    std::size_t fault = 0;
  };
  std::map<DeviceRef, std::vector<Unregistered>> unregistered_;
  void note_registry(const StoreRequest& request, std::optional<std::size_t> failed_by);
  NetworkFaults network_;
  std::vector<FaultCounters> counters_;
  FrameSink on_frame_;
  CloseSink on_close_;
  std::uint64_t next_session_ = 1;
  DeploymentStats stats_;
};

}  // namespace parley::sim
