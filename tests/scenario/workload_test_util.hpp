// Helpers for the workload tests: scenarios from YAML, plans collected into vectors, and a
// statistical bound (counts of a Poisson process stay within 5 standard deviations of the mean:
// a false alarm about once in 3.5 million runs, and every run is seeded anyway).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "parley/scenario/parse.hpp"
#include "workload/send_planner.hpp"
#include "workload/user_events.hpp"

namespace parley::workload::test {

inline scenario::Scenario scenario_from(const std::string& yaml) {
  auto parsed = scenario::parse_string(yaml, "<test>");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? parsed.value() : scenario::Scenario{};
}

inline scenario::Scenario shipped(const std::string& stem, const scenario::Overrides& overrides = {}) {
  auto parsed = scenario::parse_file(std::string(PARLEY_SOURCE_DIR) + "/scenarios/" + stem + ".yaml",
                                     overrides);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? parsed.value() : scenario::Scenario{};
}

inline std::vector<PlannedSend> all_sends(const scenario::Scenario& s, Shard shard = {}) {
  SendPlanner planner(s, shard);
  std::vector<PlannedSend> sends;
  while (auto send = planner.next()) sends.push_back(*send);
  return sends;
}

inline std::vector<UserEvent> all_events(const scenario::Scenario& s, Shard shard = {}) {
  UserEventPlanner planner(s, shard);
  std::vector<UserEvent> events;
  while (auto event = planner.next()) events.push_back(*event);
  return events;
}

inline void expect_poisson_count(double observed, double expected, const char* what) {
  EXPECT_NEAR(observed, expected, 5 * std::sqrt(expected) + 1) << what;
}

}  // namespace parley::workload::test
