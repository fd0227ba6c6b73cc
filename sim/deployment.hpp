// The traced sample's servers: the core's own roles (Gateway, ChatService, Presence, PushPolicy)
// hosted on the platform's hosts, created when first touched. Every effect is carried out here
// with modelled costs: a Route crosses the datacenter (SimGrid route latency) and waits in the
// destination host's queue (LoadModel); a StoreRequest runs against one MemoryStore standing for
// the store cluster after a sampled quorum latency. Nothing of routing, dedup, fan-out, retries or
// presence is decided here: destination_of() and the roles decide.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "event_calendar.hpp"
#include "load_model.hpp"
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
  void crash(HostRef host);
  void restart(HostRef host);
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
  };
  StorePlan plan_store(const StoreRequest& request, HostRef from);
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
  FrameSink on_frame_;
  CloseSink on_close_;
  std::uint64_t next_session_ = 1;
  DeploymentStats stats_;
};

}  // namespace parley::sim
