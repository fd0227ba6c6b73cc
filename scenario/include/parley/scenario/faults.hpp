// The fault part of a scenario: a schedule of faults at given times and/or a seeded random swarm.
// The simulator injects every kind; parley-load executes those it can drive and records the rest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::scenario {

enum class FaultKind {
  gateway_crash,     // a gateway host dies; its clients reconnect with backoff (a storm)
  chat_crash,        // a chat node dies, optionally losing writes not yet durable
  store_node_loss,   // a store node is lost, then recovers from its replicas
  redis_failover,    // a Redis shard fails over: registry and presence entries are lost
  partition,         // a zone is cut off from the others, then heals
  link_degradation,  // added latency, loss or reduced bandwidth on links
  clock_step,        // a node's clock jumps (snowflake ids must stay monotonic)
  hot_group,         // a group turns celebrity: more members and much more traffic
  reconnect_storm,   // a share of online clients drops and reconnects at once
};
inline constexpr FaultKind all_fault_kinds[] = {
    FaultKind::gateway_crash,   FaultKind::chat_crash, FaultKind::store_node_loss,
    FaultKind::redis_failover,  FaultKind::partition,  FaultKind::link_degradation,
    FaultKind::clock_step,      FaultKind::hot_group,  FaultKind::reconnect_storm};

std::string_view to_string(FaultKind kind);
std::optional<FaultKind> fault_kind_from_string(std::string_view text);

enum class TargetKind { gateway, chat_node, redis_shard, store_node, zone, group, all };

// Written "gateway:3", "gateway:any" (the engine picks one from the seed) or "all".
struct FaultTarget {
  TargetKind kind = TargetKind::all;
  std::optional<std::uint64_t> index;  // nullopt: any one, chosen from the seed (ignored for all)
  bool operator==(const FaultTarget&) const = default;
};

std::string to_string(const FaultTarget& target);
std::optional<FaultTarget> fault_target_from_string(std::string_view text);
std::string_view to_string(TargetKind kind);

// One struct for every kind; a kind reads (and to_yaml writes) only the fields it uses, the others
// keep their defaults. docs/scenarios.md lists which kind uses which.
struct FaultParams {
  bool lose_unsynced_writes = false;  // chat_crash, store_node_loss
  double latency_ms_add = 100;        // link_degradation
  double loss_rate = 0;               // link_degradation: share of packets dropped
  double bandwidth_factor = 1;        // link_degradation: remaining share of bandwidth
  double step_ms = -2000;             // clock_step: signed jump of the node's clock
  double rate_multiplier = 100;       // hot_group: message rate relative to a normal group
  std::uint64_t members = 500;        // hot_group: size the group grows to
  double fraction = 1;                // reconnect_storm: share of the target's clients dropped
  bool operator==(const FaultParams&) const = default;
};

struct Fault {
  double at_s = 0;        // from the start of the run
  FaultKind kind = FaultKind::gateway_crash;
  FaultTarget target;     // default depends on the kind (default_target)
  double duration_s = 30; // until restart/heal/end of the episode; 0 for clock_step
  FaultParams params;
  bool operator==(const Fault&) const = default;
};

FaultTarget default_target(FaultKind kind);
// Target kinds a fault kind accepts, e.g. clock_step: gateway or chat_node.
std::vector<TargetKind> allowed_targets(FaultKind kind);

// Random faults drawn from the scenario's seed: a Poisson process of `faults_per_hour`, each of a
// kind drawn uniformly from `kinds`, on a target drawn uniformly, lasting Exp(mean_duration_s).
struct FaultSwarm {
  double faults_per_hour = 0;  // 0: no swarm
  std::vector<FaultKind> kinds{std::begin(all_fault_kinds), std::end(all_fault_kinds)};
  double mean_duration_s = 30;
  bool operator==(const FaultSwarm&) const = default;
};

struct Faults {
  std::vector<Fault> schedule;  // sorted by at_s when parsed (stable for equal times)
  FaultSwarm swarm;
  bool operator==(const Faults&) const = default;
};

}  // namespace parley::scenario
