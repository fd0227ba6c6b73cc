// The other per-user activity of a scenario: reconnects (churn), history reads and searches, each
// an NHPP at online users × rate per hour × the same profile as the sends. Like SendPlanner, the
// user of event #seq comes from its own substream, so shards split it exactly.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "nhpp.hpp"
#include "parley/scenario/scenario.hpp"
#include "shard.hpp"

namespace parley::workload {

enum class UserEventKind { reconnect, history_read, search };

struct UserEvent {
  UserEventKind kind = UserEventKind::reconnect;
  std::uint64_t seq = 0;   // index in the unsharded stream of this kind
  std::int64_t at_us = 0;
  std::uint64_t user = 0;  // among the connected users at that time
  bool operator==(const UserEvent&) const = default;
};

class UserEventPlanner {
 public:
  UserEventPlanner(const scenario::Scenario& scenario, Shard shard = {});
  // The next event of this shard (all kinds merged in time order), or nullopt at the run's end.
  std::optional<UserEvent> next();

 private:
  struct Lane {
    NhppArrivals arrivals;
    double next_s;
    std::uint64_t next_seq = 0;
  };
  UserEvent make(UserEventKind kind, std::uint64_t seq, double t_s) const;

  std::uint64_t seed_;
  double duration_s_;
  double ramp_s_;
  std::uint64_t online_;
  Shard shard_;
  std::array<std::optional<Lane>, 3> lanes_;  // indexed by UserEventKind
};

}  // namespace parley::workload
