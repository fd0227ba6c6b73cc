// The local engine of parley-sim: one parley node (every core role, in-memory records) driven by
// a seeded population of simulated clients over the real wire protocol, on simulated time. It is
// the smallest end-to-end run of the project and checks every message: delivered to every device
// of every member, never duplicated, never out of order. The SimGrid engine of whole deployments
// reuses its workload and its accounting.
#pragma once

#include <cstdint>
#include <string>

#include "parley/clock.hpp"

namespace parley::sim {

struct LocalRunConfig {
  std::uint64_t seed = 1;
  std::uint32_t users = 200;
  std::uint32_t devices_per_user = 2;
  std::uint32_t groups = 10;
  std::uint32_t group_size = 20;            // members per group, creator included (≤ 500)
  double messages_per_user_per_s = 0.2;
  double group_share = 0.3;                 // fraction of sends that go to a group
  TimeMs duration_ms = 10'000;
  TimeMs tick_ms = 100;                     // how often the roles' deadlines are checked
};

struct LocalRunSummary {
  std::uint64_t sends = 0;
  std::uint64_t acks = 0;
  std::uint64_t expected_deliveries = 0;    // (message, recipient device) pairs
  std::uint64_t delivered = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t missing = 0;
  std::uint64_t errors = 0;                 // error frames received
  std::uint64_t groups_created = 0;
  std::uint64_t history_checked = 0;        // conversations whose history was read back intact
  TimeMs simulated_ms = 0;
  bool passed() const {
    return duplicates == 0 && out_of_order == 0 && missing == 0 && errors == 0 && acks == sends &&
           delivered == expected_deliveries;
  }
  std::string to_json(const LocalRunConfig& config) const;
};

LocalRunSummary run_local(const LocalRunConfig& config);

}  // namespace parley::sim
