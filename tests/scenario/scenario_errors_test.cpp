// Invalid scenarios are refused with a message naming the file, line, column and field path, and
// what is wrong (docs/scenarios.md "Error messages"); unknown keys suggest the nearest known one.
#include <gtest/gtest.h>

#include <string>

#include "parley/random.hpp"
#include "parley/scenario/parse.hpp"

namespace parley::scenario {
namespace {

struct BadCase {
  const char* what;
  std::string yaml;
  std::string diagnostic;  // one full line of the error message
};
// Names the case in test listings instead of gtest's byte dump.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.what; }

// The reported problem, or "" when the scenario was (wrongly) accepted.
std::string problem(const std::string& yaml) {
  auto parsed = parse_string(yaml, "bad.yaml");
  return parsed ? "" : parsed.error().message;
}

const BadCase bad_cases[] = {
    {"negative rate", "workload:\n  messages_per_user_per_s: -1\n",
     "bad.yaml:2:28: workload.messages_per_user_per_s: must be in (0, 1000] (got -1)"},
    {"zero users", "population:\n  users: 0\n",
     "bad.yaml:2:10: population.users: must be in [1, 2147483647] (got 0)"},
    {"users not a number", "population:\n  users: lots\n",
     "bad.yaml:2:10: population.users: expected a whole number (got 'lots')"},
    {"concurrency above 1", "population:\n  concurrency: 1.5\n",
     "bad.yaml:2:16: population.concurrency: must be in (0, 1] (got 1.5)"},
    {"typo in a key", "population:\n  usres: 10\n",
     "bad.yaml:2:3: population.usres: unknown key (did you mean 'users'?)"},
    {"typo at top level", "sed: 3\n", "bad.yaml:1:1: sed: unknown key (did you mean 'seed'?)"},
    {"unknown key far from any", "population:\n  colour: blue\n",
     "bad.yaml:2:3: population.colour: unknown key"},
    {"ramp longer than the run", "duration_s: 10\nramp_s: 20\n",
     "bad.yaml:2:9: ramp_s: must be <= duration_s (got 20 > 10)"},
    {"group size above 500", "population:\n  groups:\n    size: {kind: zipf, max: 600}\n",
     "bad.yaml:3:29: population.groups.size.max: must be in [2, 500] (got 600)"},
    {"distribution kind typo", "workload:\n  payload_bytes: {kind: lognorm, median: 9}\n",
     "bad.yaml:2:25: workload.payload_bytes.kind: unknown distribution 'lognorm' (did you mean "
     "'lognormal'?); one of fixed, uniform, lognormal, zipf, discrete"},
    {"uniform min above max", "workload:\n  payload_bytes: {kind: uniform, min: 50, max: 10}\n",
     "bad.yaml:2:48: workload.payload_bytes.max: must be >= min (got 10 < 50)"},
    {"lognormal median outside bounds",
     "workload:\n  payload_bytes: {kind: lognormal, median: 5, min: 10, max: 20}\n",
     "bad.yaml:2:44: workload.payload_bytes.median: must be within [min, max] = [10, 20] (got 5)"},
    {"discrete row not a pair", "population:\n  devices_per_user: {kind: discrete, table: [[1, 2, 3]]}\n",
     "bad.yaml:2:46: population.devices_per_user.table[0]: expected a [value, weight] pair"},
    {"negative weight", "population:\n  devices_per_user: {kind: discrete, table: [[1, -1]]}\n",
     "bad.yaml:2:50: population.devices_per_user.table[0][1]: must be >= 0 (got -1)"},
    {"fractional device count", "population:\n  devices_per_user: 1.5\n",
     "bad.yaml:2:21: population.devices_per_user: must be a whole number (got 1.5)"},
    {"too many devices", "population:\n  devices_per_user: 17\n",
     "bad.yaml:2:21: population.devices_per_user: must be in [1, 16] (got 17)"},
    {"unreachable peak factor", "workload:\n  profile: {kind: diurnal, peak_factor: 30}\n",
     "bad.yaml:2:41: workload.profile.peak_factor: for this hourly curve the peak factor must be "
     "in [1, 24] (got 30)"},
    {"points going back in time",
     "workload:\n  profile:\n    kind: piecewise\n    points:\n      - {t_s: 10, multiplier: 1}\n"
     "      - {t_s: 5, multiplier: 2}\n",
     "bad.yaml:6:15: workload.profile.points[1].t_s: must increase from point to point (got 5 after "
     "10)"},
    {"profile kind typo", "workload:\n  profile: diurnl\n",
     "bad.yaml:2:12: workload.profile.kind: unknown profile 'diurnl' (did you mean 'diurnal'?); "
     "one of constant, diurnal, piecewise"},
    {"group share without groups", "workload:\n  group_share: 0.5\n",
     "bad.yaml:2:16: workload.group_share: needs groups to send to: set population.groups.count or "
     "population.hot_groups.count (got group_share 0.5 with no groups)"},
    {"commit-log period negative", "topology:\n  store: {commitlog_sync_period_ms: -5}\n",
     "bad.yaml:2:37: topology.store.commitlog_sync_period_ms: must be in [0, 3600000] (got -5)"},
    {"replication above node count", "topology:\n  store: {nodes: 3, replication_factor: 5}\n",
     "bad.yaml:2:41: topology.store.replication_factor: must be <= store.nodes (got 5 > 3)"},
    {"target not a websocket", "topology:\n  targets: [\"http://localhost:7700\"]\n",
     "bad.yaml:2:13: topology.targets[0]: must be a ws:// or wss:// URL (got 'http://localhost:7700')"},
    {"fault kind typo", "faults:\n  schedule:\n    - {at_s: 1, kind: gateway_crsh}\n",
     "bad.yaml:3:23: faults.schedule[0].kind: unknown fault kind 'gateway_crsh' (did you mean "
     "'gateway_crash'?)"},
    {"fault target out of range", "faults:\n  schedule:\n    - {kind: gateway_crash, target: \"gateway:5\"}\n",
     "bad.yaml:3:37: faults.schedule[0].target: 'gateway:5' does not exist: the scenario has 1 "
     "gateway (indices from 0)"},
    {"fault target of the wrong kind", "faults:\n  schedule:\n    - {kind: chat_crash, target: \"zone:0\"}\n",
     "bad.yaml:3:34: faults.schedule[0].target: a chat_crash targets chat_node:<index|any> (got "
     "'zone:0')"},
    {"fault after the end", "duration_s: 60\nfaults:\n  schedule:\n    - {at_s: 90, kind: chat_crash}\n",
     "bad.yaml:4:14: faults.schedule[0].at_s: must be <= duration_s (got 90 > 60)"},
    {"partition with one zone", "faults:\n  schedule:\n    - {kind: partition}\n",
     "bad.yaml:3:14: faults.schedule[0].kind: needs topology.network.zones >= 2 (got 1)"},
    {"param of another kind", "faults:\n  schedule:\n    - {kind: gateway_crash, params: {fraction: 0.5}}\n",
     "bad.yaml:3:38: faults.schedule[0].params.fraction: unknown key"},
    {"duration on an instantaneous fault", "faults:\n  schedule:\n    - {kind: clock_step, duration_s: 5}\n",
     "bad.yaml:3:26: faults.schedule[0].duration_s: unknown key"},
    {"swarm kind typo", "faults:\n  swarm: {faults_per_hour: 2, kinds: [partiton]}\n",
     "bad.yaml:2:39: faults.swarm.kinds[0]: unknown fault kind 'partiton' (did you mean 'partition'?)"},
    {"bool that is not", "slos:\n  zero_loss: maybe\n",
     "bad.yaml:2:14: slos.zero_loss: expected true or false (got 'maybe')"},
    {"error rate above 1", "slos:\n  max_error_rate: 2\n",
     "bad.yaml:2:19: slos.max_error_rate: must be in [0, 1] (got 2)"},
    {"future format version", "version: 2\n",
     "bad.yaml:1:10: version: unsupported format version 2 (this build reads version 1)"},
    {"name with a space", "name: my run\n",
     "bad.yaml:1:7: name: must be 1-64 characters of A-Z a-z 0-9 . _ - (got 'my run')"},
    {"duplicate key", "seed: 1\nseed: 2\n", "bad.yaml:2:1: seed: duplicate key (first on line 1)"},
    {"hot group bigger than the population", "population:\n  users: 300\n  hot_groups: {count: 1, size: 500}\n",
     "bad.yaml:3:32: population.hot_groups.size: must be <= population.users (got 500 > 300)"},
    {"zero payload", "workload:\n  payload_bytes: 0\n",
     "bad.yaml:2:18: workload.payload_bytes: must be in [1, 49152] (got 0)"},
    {"section that is a list", "population: [1, 2]\n",
     "bad.yaml:1:13: population: expected a mapping (got a list)"},
    {"zipf on a real-valued field", "topology:\n  network: {client_latency_ms: {kind: zipf}}\n",
     "bad.yaml:2:39: topology.network.client_latency_ms.kind: zipf is for whole-number fields; use "
     "lognormal or discrete here"},
};

class BadScenario : public testing::TestWithParam<BadCase> {};

TEST_P(BadScenario, NamesFileLineFieldAndProblem) {
  const BadCase& c = GetParam();
  const std::string message = problem(c.yaml);
  ASSERT_FALSE(message.empty()) << c.what << ": accepted";
  EXPECT_NE(message.find(c.diagnostic), std::string::npos)
      << c.what << "\n  expected: " << c.diagnostic << "\n  got:      " << message;
}

INSTANTIATE_TEST_SUITE_P(Table, BadScenario, testing::ValuesIn(bad_cases),
                         [](const testing::TestParamInfo<BadCase>& param) {
                           std::string name = param.param.what;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(ScenarioErrors, HourlyCurveNeeds24Values) {
  std::string hourly;
  for (int h = 0; h < 23; ++h) hourly += (h ? ", " : "") + std::to_string(h + 1);
  EXPECT_NE(problem("workload:\n  profile:\n    kind: diurnal\n    hourly: [" + hourly + "]\n")
                .find("bad.yaml:4:13: workload.profile.hourly: needs 24 values, one per hour (got 23)"),
            std::string::npos);
}

TEST(ScenarioErrors, YamlSyntaxErrorHasLineAndColumn) {
  const std::string message = problem("name: x\npopulation: {users: [1, 2}\n");
  EXPECT_EQ(message.rfind("bad.yaml:2:", 0), 0u) << message;
  EXPECT_NE(message.find("YAML syntax error"), std::string::npos) << message;
}

TEST(ScenarioErrors, EveryProblemIsReportedInFileOrder) {
  const std::string message =
      problem("slos:\n  p99_ack_ms: -1\npopulation:\n  users: -5\n  colour: red\n");
  const auto first = message.find("bad.yaml:2:");
  const auto second = message.find("bad.yaml:4:");
  const auto third = message.find("bad.yaml:5:");
  ASSERT_NE(first, std::string::npos) << message;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 2) << message;
}

TEST(ScenarioErrors, MissingKindIsNamed) {
  EXPECT_NE(problem("workload:\n  payload_bytes: {median: 5}\n")
                .find("bad.yaml:2:18: workload.payload_bytes.kind: missing (one of fixed, uniform, "
                      "lognormal, zipf, discrete)"),
            std::string::npos);
}

TEST(ScenarioErrors, OddDocumentsNeverThrow) {
  const char* documents[] = {"- a\n- b\n", "just a string", "{a: [}", "? [a]\n: b\n",
                             "population: {users: {x: 1}}", "\t\tname: x", "&a [*a]",
                             "workload: {profile: {kind: [1]}}", "faults: {schedule: 3}",
                             "population:\n  groups: 7\n"};
  for (const char* doc : documents) {
    auto parsed = parse_string(doc, "odd.yaml");
    EXPECT_FALSE(parsed.ok()) << doc;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().message.rfind("odd.yaml", 0), 0u) << parsed.error().message;
    }
  }
}

TEST(ScenarioErrors, MutatedScenariosNeverThrow) {
  // Single-byte mutations of a real scenario: each parses or is refused, nothing escapes.
  const std::string original = R"(name: m
population: {users: 300, groups: {count: 4, size: {kind: zipf, max: 40}}}
workload: {group_share: 0.5, profile: {kind: diurnal, peak_factor: 2}}
faults:
  schedule:
    - {at_s: 1, kind: hot_group, params: {members: 40}}
)";
  const char alphabet[] = "{}[]:,-# \n'\"&*!|>%@`0123456789.ez";
  Random rng(2024);
  int refused = 0;
  for (int i = 0; i < 2'000; ++i) {
    std::string text = original;
    text[rng.uniform(text.size())] = alphabet[rng.uniform(sizeof alphabet - 1)];
    auto parsed = parse_string(text, "m.yaml");
    refused += !parsed.ok();
    if (!parsed.ok()) {
      ASSERT_EQ(parsed.error().message.rfind("m.yaml", 0), 0u) << parsed.error().message;
    }
  }
  EXPECT_GT(refused, 200);
}

TEST(ScenarioErrors, OversizedTextIsRefused) {
  auto parsed = parse_string(std::string(scenario_bytes_max + 1, '#'), "big.yaml");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("limit"), std::string::npos);
}

TEST(ScenarioErrors, MissingFileIsNotFound) {
  auto parsed = parse_file("/nonexistent/scenario.yaml");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::not_found);
  EXPECT_NE(parsed.error().message.find("/nonexistent/scenario.yaml"), std::string::npos);
}

}  // namespace
}  // namespace parley::scenario
