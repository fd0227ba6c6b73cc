// to_yaml is canonical: it writes every field (defaults filled), re-parses to an equal Scenario,
// and is a fixed point (dumping the re-parsed scenario gives the same bytes).
#include <gtest/gtest.h>

#include "parley/scenario/emit.hpp"
#include "parley/scenario/parse.hpp"
#include "parley/scenario/profile.hpp"

namespace parley::scenario {
namespace {

Scenario parse_ok(const std::string& yaml) {
  auto result = parse_string(yaml, "<test>");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message) << "\n" << yaml;
  return result.ok() ? result.value() : Scenario{};
}

void expect_round_trip(const Scenario& s) {
  const std::string text = to_yaml(s);
  const Scenario back = parse_ok(text);
  EXPECT_EQ(back, s) << text;
  EXPECT_EQ(to_yaml(back), text);
}

TEST(ScenarioRoundTrip, EmptyDocumentIsAllDefaults) {
  Scenario defaults;
  defaults.name = "scenario";
  EXPECT_EQ(parse_ok(""), defaults);
  expect_round_trip(defaults);
}

TEST(ScenarioRoundTrip, DefaultsAreWrittenOut) {
  const std::string text = to_yaml(Scenario{});
  for (const char* field : {"messages_per_user_per_s: 0.01", "p99_delivery_ms: 200",
                            "size: {kind: lognormal, median: 8, sigma: 1, min: 2, max: 500}",
                            "heartbeat_interval_s: 30", "replication_factor: 3",
                            "commitlog_sync_period_ms: 10000"}) {
    EXPECT_NE(text.find(field), std::string::npos) << field << "\n" << text;
  }
}

TEST(ScenarioRoundTrip, EveryKindOfFieldSurvives) {
  const Scenario s = parse_ok(R"(
name: every.field-1
description: "quotes \" and: colons, a # hash,\nnewlines, ünïcode, and 'single' quotes"
seed: 18446744073709551615
duration_s: 3600.5
ramp_s: 0.1
population:
  users: 2_000_000_000
  devices_per_user: {kind: discrete, table: [[1, 0.5], [2, 0.25], [16, 1e-9]]}
  concurrency: 0.333
  contacts_per_user: {kind: zipf, exponent: 0.7, min: 0, max: 900}
  groups: {count: 123, size: {kind: uniform, min: 2, max: 500}}
  hot_groups: {count: 3, size: 499, rate_multiplier: 1e6}
workload:
  messages_per_user_per_s: 1e-7
  profile:
    kind: piecewise
    points: [{t_s: 0, multiplier: 0}, {t_s: 0.001, multiplier: 3.14159}, {t_s: 1e9, multiplier: 1}]
  group_share: 0.1
  payload_bytes: {kind: lognormal, median: 100, sigma: 2.5, min: 1, max: 49152}
  encrypted_share: 1
  typing_per_message: 2.5
  read_receipt_share: 0
  reconnects_per_user_per_hour: 0
  history_reads_per_user_per_hour: 36000
  searches_per_user_per_hour: 0.000001
  heartbeat_interval_s: 0.5
topology:
  targets: ["ws://127.0.0.1:7700/", "wss://chat.example.com:443/ws?x=1&y=2"]
  gateways: {count: 4, cores: 2, connections_each: 1}
  chat_nodes: {count: 3, cores: 1024}
  redis_shards: {count: 2, cores: 3}
  store: {nodes: 5, replication_factor: 5, write_latency_ms: 0, read_latency_ms: {kind: uniform, min: 0.1, max: 0.2}}
  push: {count: 1, latency_ms: {kind: discrete, table: [[10, 1], [1000, 0.01]]}}
  network: {client_latency_ms: 600000, datacenter_link: {latency_ms: 0, bandwidth_gbps: 0.001}, zones: 64}
faults:
  schedule:
    - {at_s: 9, kind: link_degradation, target: "zone:63", params: {latency_ms_add: 5, loss_rate: 0.1, bandwidth_factor: 0.5}}
    - {at_s: 1, kind: gateway_crash, target: "gateway:3", duration_s: 0}
    - {at_s: 1, kind: chat_crash, params: {lose_unsynced_writes: true}}
    - {at_s: 2, kind: store_node_loss, target: "store_node:4"}
    - {at_s: 3, kind: redis_failover}
    - {at_s: 4, kind: partition, target: "zone:1", duration_s: 100}
    - {at_s: 5, kind: clock_step, target: "gateway:0", params: {step_ms: 1500}}
    - {at_s: 6, kind: hot_group, target: "group:125", params: {rate_multiplier: 7, members: 250}}
    - {at_s: 7, kind: reconnect_storm, target: "gateway:any", params: {fraction: 0.25}}
  swarm: {faults_per_hour: 12, kinds: [partition, clock_step], mean_duration_s: 7.5}
slos: {p99_delivery_ms: 0.5, p99_ack_ms: 3600000, zero_loss: false, max_error_rate: 1}
cost:
  currency: "€"
  per_host_hour: {gateway: 0, chat_node: 1.5, redis_shard: 0.001, store_node: 99, push: 0}
)");
  expect_round_trip(s);
  // The schedule is sorted by time, keeping the file's order for equal times.
  ASSERT_EQ(s.faults.schedule.size(), 9u);
  EXPECT_EQ(s.faults.schedule[0].kind, FaultKind::gateway_crash);
  EXPECT_EQ(s.faults.schedule[1].kind, FaultKind::chat_crash);
  EXPECT_EQ(s.faults.schedule[8].kind, FaultKind::link_degradation);
  EXPECT_EQ(s.faults.schedule[1].target, (FaultTarget{TargetKind::chat_node, std::nullopt}));
  EXPECT_EQ(s.seed, UINT64_MAX);
}

TEST(ScenarioRoundTrip, DiurnalProfileKeepsItsShapeAndPeak) {
  const Scenario s = parse_ok("workload:\n  profile: {kind: diurnal, peak_factor: 2.586, start_hour: 20.5}\n");
  EXPECT_EQ(s.workload.profile.hourly.size(), 24u);
  EXPECT_DOUBLE_EQ(s.workload.profile.peak_factor, 2.586);
  expect_round_trip(s);
  const Scenario shorthand = parse_ok("workload:\n  profile: diurnal\n");
  EXPECT_DOUBLE_EQ(shorthand.workload.profile.peak_factor,
                   natural_peak_factor(shorthand.workload.profile.hourly));
  expect_round_trip(shorthand);
}

TEST(ScenarioRoundTrip, EqualScenariosDumpToTheSameBytes) {
  const Scenario a = parse_ok("seed: 5\npopulation: {users: 10}\n");
  const Scenario b = parse_ok("population:\n  users: 10\nseed: 5\n");
  EXPECT_EQ(to_yaml(a), to_yaml(b));
}

}  // namespace
}  // namespace parley::scenario
