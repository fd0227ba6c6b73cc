// Every scenario shipped under scenarios/ parses, validates and round-trips; seed-peak carries the
// seed design's numbers.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "parley/scenario/emit.hpp"
#include "parley/scenario/parse.hpp"

namespace parley::scenario {
namespace {

namespace fs = std::filesystem;

const fs::path scenarios_dir = fs::path(PARLEY_SOURCE_DIR) / "scenarios";

Scenario load(const std::string& stem) {
  auto s = parse_file((scenarios_dir / (stem + ".yaml")).string());
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? s.value() : Scenario{};
}

TEST(ShippedScenarios, AllParseAndRoundTrip) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(scenarios_dir)) {
    if (entry.path().extension() != ".yaml") continue;
    auto s = parse_file(entry.path().string());
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s.value().name, entry.path().stem().string()) << "name differs from the file name";
    EXPECT_FALSE(s.value().description.empty()) << entry.path();
    auto again = parse_string(to_yaml(s.value()), "dump");
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again.value(), s.value()) << entry.path();
    names.insert(s.value().name);
  }
  for (const char* required : {"smoke", "steady-1to1", "group-heavy", "reconnect-storm",
                               "sim-smoke", "seed-peak"}) {
    EXPECT_TRUE(names.count(required)) << required << ".yaml is missing";
  }
}

TEST(ShippedScenarios, LoadgenScenariosHaveTargets) {
  for (const char* name : {"smoke", "steady-1to1", "group-heavy", "reconnect-storm"}) {
    EXPECT_FALSE(load(name).topology.targets.empty()) << name;
  }
}

TEST(ShippedScenarios, GroupHeavyHasOneHot500MemberGroup) {
  const Scenario s = load("group-heavy");
  EXPECT_EQ(s.population.hot_groups.count, 1u);
  EXPECT_EQ(s.population.hot_groups.size, 500u);
}

TEST(ShippedScenarios, SeedPeakHasTheSeedNumbers) {
  const Scenario s = load("seed-peak");
  const auto online = online_users(s.population);
  EXPECT_EQ(s.population.users, 500'000'000u);
  EXPECT_EQ(online, 200'000'000u);
  const double mean_rate = static_cast<double>(online) * s.workload.messages_per_user_per_s;
  EXPECT_NEAR(mean_rate, 580'000, 1'000);
  EXPECT_NEAR(mean_rate * s.workload.profile.peak_factor, 1'500'000, 5'000);
  EXPECT_EQ(s.workload.payload_bytes, Distribution(Fixed{200}));
  EXPECT_EQ(highest_value(s.population.groups.size), 500);
  EXPECT_GE(s.topology.gateways.count, 2'000u);
  EXPECT_LE(s.topology.gateways.count, 4'000u);
  EXPECT_GE(s.topology.gateways.count * s.topology.gateways.connections_each, online);
  EXPECT_EQ(s.workload.heartbeat_interval_s, 30);
}

}  // namespace
}  // namespace parley::scenario
