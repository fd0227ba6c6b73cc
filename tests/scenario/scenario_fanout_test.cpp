// topology.chat_nodes fan-out mode (direct | queue, worker tier, threshold) and workload.push_digest:
// parsed with field and line errors, set by overrides, and carried through to_yaml unchanged.
#include <gtest/gtest.h>

#include "parley/scenario/emit.hpp"
#include "parley/scenario/parse.hpp"

namespace parley::scenario {
namespace {

const char* queued = R"(name: fanout
topology:
  chat_nodes:
    count: 4
    cores: 2
    fanout: queue
    fanout_workers: {count: 3, cores: 16}
    fanout_queue_threshold: 250
workload:
  push_digest: {enabled: true, interval_s: 30}
)";

Scenario parse_ok(const std::string& yaml, const Overrides& overrides = {}) {
  auto result = parse_string(yaml, "f.yaml", overrides);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message) << "\n" << yaml;
  return result.ok() ? result.value() : Scenario{};
}

std::string problem(const std::string& yaml, const Overrides& overrides = {}) {
  auto result = parse_string(yaml, "f.yaml", overrides);
  return result.ok() ? "" : result.error().message;
}

TEST(ScenarioFanout, DefaultsAreDirectWithoutDigest) {
  const Scenario s = parse_ok("name: plain\n");
  EXPECT_EQ(s.topology.chat_nodes.fanout, FanoutMode::direct);
  EXPECT_EQ(s.topology.chat_nodes.fanout_queue_threshold, 100u);
  EXPECT_FALSE(s.workload.push_digest.enabled);
  EXPECT_EQ(s.workload.push_digest.interval_s, 60);
}

TEST(ScenarioFanout, ParsesQueueModeAndDigest) {
  const Scenario s = parse_ok(queued);
  const auto& c = s.topology.chat_nodes;
  EXPECT_EQ(c.count, 4u);
  EXPECT_EQ(c.cores, 2u);
  EXPECT_EQ(c.fanout, FanoutMode::queue);
  EXPECT_EQ(c.fanout_workers.count, 3u);
  EXPECT_EQ(c.fanout_workers.cores, 16u);
  EXPECT_EQ(c.fanout_queue_threshold, 250u);
  EXPECT_TRUE(s.workload.push_digest.enabled);
  EXPECT_EQ(s.workload.push_digest.interval_s, 30);
}

TEST(ScenarioFanout, ErrorsNameFileLineAndField) {
  EXPECT_NE(problem("topology:\n  chat_nodes: {fanout: fifo}\n")
                .find("f.yaml:2:24: topology.chat_nodes.fanout: must be one of direct, queue (got 'fifo')"),
            std::string::npos)
      << problem("topology:\n  chat_nodes: {fanout: fifo}\n");
  EXPECT_NE(problem("topology:\n  chat_nodes: {fanout_queue_threshold: 1}\n")
                .find("f.yaml:2:40: topology.chat_nodes.fanout_queue_threshold: must be in [2, "),
            std::string::npos)
      << problem("topology:\n  chat_nodes: {fanout_queue_threshold: 1}\n");
  EXPECT_NE(problem("topology:\n  chat_nodes: {fanout_workers: {count: 0}}\n")
                .find("topology.chat_nodes.fanout_workers.count: must be in [1, "),
            std::string::npos);
  EXPECT_NE(problem("workload:\n  push_digest: {interval_s: 0}\n")
                .find("f.yaml:2:29: workload.push_digest.interval_s: must be in (0, 86400]"),
            std::string::npos)
      << problem("workload:\n  push_digest: {interval_s: 0}\n");
  EXPECT_NE(problem("workload:\n  push_digest: {enabled: sometimes}\n")
                .find("workload.push_digest.enabled: expected true or false (got 'sometimes')"),
            std::string::npos);
  EXPECT_NE(problem("workload:\n  push_digest: {every_s: 5}\n").find("workload.push_digest.every_s: unknown key"),
            std::string::npos);
}

TEST(ScenarioFanout, OverridesReachEveryField) {
  const Scenario s = parse_ok("name: o\n", {"topology.chat_nodes.fanout=queue",
                                            "topology.chat_nodes.fanout_workers.count=5",
                                            "topology.chat_nodes.fanout_queue_threshold=50",
                                            "workload.push_digest.enabled=true",
                                            "workload.push_digest.interval_s=120"});
  EXPECT_EQ(s.topology.chat_nodes.fanout, FanoutMode::queue);
  EXPECT_EQ(s.topology.chat_nodes.fanout_workers.count, 5u);
  EXPECT_EQ(s.topology.chat_nodes.fanout_queue_threshold, 50u);
  EXPECT_TRUE(s.workload.push_digest.enabled);
  EXPECT_EQ(s.workload.push_digest.interval_s, 120);
  EXPECT_NE(problem("name: o\n", {"topology.chat_nodes.fanout=both"}).find("topology.chat_nodes.fanout"),
            std::string::npos);
}

TEST(ScenarioFanout, RoundTripsThroughYaml) {
  const Scenario s = parse_ok(queued);
  const std::string text = to_yaml(s);
  EXPECT_NE(text.find("fanout: \"queue\""), std::string::npos) << text;
  EXPECT_NE(text.find("push_digest: {enabled: true, interval_s: 30}"), std::string::npos) << text;
  const Scenario back = parse_ok(text);
  EXPECT_EQ(back, s) << text;
  EXPECT_EQ(to_yaml(back), text);
}

TEST(ScenarioFanout, DefaultsKeepTheOldCanonicalText) {
  // Scenarios that do not use the new keys dump as before (run manifests stay byte-identical).
  const std::string text = to_yaml(parse_ok("name: plain\n"));
  EXPECT_NE(text.find("chat_nodes: {count: 1, cores: 8}"), std::string::npos) << text;
  EXPECT_EQ(text.find("push_digest"), std::string::npos) << text;
  EXPECT_EQ(text.find("fanout"), std::string::npos) << text;
}

}  // namespace
}  // namespace parley::scenario
