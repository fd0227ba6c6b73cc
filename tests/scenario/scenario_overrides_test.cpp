// `--set key.path=value` overrides: applied to the YAML tree before typed parsing, so they are
// validated like the file, and their problems name the override instead of a file line.
#include <gtest/gtest.h>

#include "parley/scenario/parse.hpp"

namespace parley::scenario {
namespace {

const char* base = R"(name: base
population:
  users: 300
  groups: {count: 4}
faults:
  schedule:
    - {at_s: 10, kind: gateway_crash}
)";

Scenario parsed(const Overrides& overrides) {
  auto result = parse_string(base, "base.yaml", overrides);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : Scenario{};
}

std::string refused(const Overrides& overrides, const std::string& yaml = base) {
  auto result = parse_string(yaml, "base.yaml", overrides);
  return result.ok() ? "" : result.error().message;
}

TEST(ScenarioOverrides, SetsAScalarWithDigitSeparatorsOrExponent) {
  EXPECT_EQ(parsed({"population.users=10000000"}).population.users, 10'000'000u);
  EXPECT_EQ(parsed({"population.users=10_000_000"}).population.users, 10'000'000u);
  EXPECT_EQ(parsed({"population.users=1e7"}).population.users, 10'000'000u);
}

TEST(ScenarioOverrides, CreatesMissingSections) {
  const Scenario s = parsed({"population.hot_groups.count=2", "slos.p99_ack_ms=7.5"});
  EXPECT_EQ(s.population.hot_groups.count, 2u);
  EXPECT_EQ(s.slos.p99_ack_ms, 7.5);
}

TEST(ScenarioOverrides, ValueIsYaml) {
  const Scenario s = parsed({"workload.profile={kind: diurnal, peak_factor: 2}",
                             "population.devices_per_user={kind: uniform, min: 1, max: 3}",
                             "topology.targets=[ws://a:1/, ws://b:2/]"});
  EXPECT_EQ(s.workload.profile.kind, ProfileKind::diurnal);
  EXPECT_EQ(s.workload.profile.peak_factor, 2);
  EXPECT_EQ(s.population.devices_per_user, Distribution(Uniform{1, 3}));
  EXPECT_EQ(s.topology.targets, (std::vector<std::string>{"ws://a:1/", "ws://b:2/"}));
}

TEST(ScenarioOverrides, NumericSegmentIndexesAList) {
  EXPECT_EQ(parsed({"faults.schedule.0.at_s=5"}).faults.schedule.at(0).at_s, 5);
}

TEST(ScenarioOverrides, LaterOverrideWins) {
  EXPECT_EQ(parsed({"seed=1", "seed=99"}).seed, 99u);
}

TEST(ScenarioOverrides, WorksOnAnEmptyDocument) {
  auto s = parse_string("", "empty.yaml", {"population.users=5"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value().population.users, 5u);
  EXPECT_EQ(s.value().name, "empty");
}

TEST(ScenarioOverrides, InvalidValueNamesTheOverride) {
  EXPECT_EQ(refused({"population.users=-5"}),
            "override 'population.users=-5': population.users: must be in [1, 2147483647] (got -5)");
  EXPECT_EQ(refused({"slos.zero_loss=perhaps"}),
            "override 'slos.zero_loss=perhaps': slos.zero_loss: expected true or false (got "
            "'perhaps')");
}

TEST(ScenarioOverrides, UnknownPathIsAnError) {
  EXPECT_EQ(refused({"population.userz=5"}),
            "override 'population.userz=5': population.userz: unknown key (did you mean 'users'?)");
  EXPECT_EQ(refused({"popluation.users=5"}),
            "override 'popluation.users=5': popluation: unknown key (did you mean 'population'?)");
}

TEST(ScenarioOverrides, ThroughAScalarOrPastAListIsAnError) {
  EXPECT_EQ(refused({"population.users.max=3"}),
            "override 'population.users.max=3': 'population.users' is a single value, not a "
            "mapping; set 'population.users' itself instead");
  EXPECT_EQ(refused({"faults.schedule.3.at_s=5"}),
            "override 'faults.schedule.3.at_s=5': 'faults.schedule' is a list of 1 items; '3' is "
            "not an index in it");
}

TEST(ScenarioOverrides, MalformedOverride) {
  EXPECT_EQ(refused({"population.users"}), "override 'population.users': expected key.path=value");
  EXPECT_EQ(refused({"=5"}), "override '=5': expected key.path=value");
  EXPECT_NE(refused({"a..b=1"}).find("empty key segment"), std::string::npos);
  EXPECT_NE(refused({"population.users=[1"}).find("the value is not valid YAML"), std::string::npos);
}

TEST(ScenarioOverrides, CrossFieldChecksSeeTheOverriddenValue) {
  // The file's fault at 10 s is fine for 60 s, not once the run is shortened to 5 s.
  EXPECT_EQ(refused({"duration_s=5"}),
            "base.yaml:7:14: faults.schedule[0].at_s: must be <= duration_s (got 10 > 5)");
}

}  // namespace
}  // namespace parley::scenario
