// parley-load's command line: what it accepts, and errors that name the flag (exit code 2 paths).
#include "run_options.hpp"

#include <gtest/gtest.h>

namespace parley::load {
namespace {

TEST(LoadRunOptions, ParsesTargets) {
  auto t = parse_target("ws://127.0.0.1:7701/chat");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.value().host, "127.0.0.1");
  EXPECT_EQ(t.value().port, 7701);
  EXPECT_EQ(t.value().path, "/chat");
  EXPECT_EQ(parse_target("ws://localhost").value().port, 7700);
  for (const char* bad : {"wss://h:1", "http://h:1", "ws://:1", "ws://h:0", "ws://h:99999", "ws://h:x"}) {
    EXPECT_FALSE(parse_target(bad).ok()) << bad;
  }
}

TEST(LoadRunOptions, ParsesARun) {
  auto o = parse_run_options({"s.yaml", "--set", "duration_s=5", "--shard", "1/3", "--quiet",
                              "--threads", "2", "--grace-s", "1.5", "--seed", "9"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o.value().scenario_path, "s.yaml");
  EXPECT_EQ(o.value().overrides, std::vector<std::string>{"duration_s=5"});
  EXPECT_EQ(o.value().shard, (workload::Shard{1, 3}));
  EXPECT_TRUE(o.value().quiet);
  EXPECT_EQ(o.value().threads, 2u);
  EXPECT_DOUBLE_EQ(o.value().grace_s, 1.5);
  EXPECT_EQ(o.value().seed, 9u);
}

TEST(LoadRunOptions, ErrorsNameTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "no scenario file"},
      {{"s.yaml", "--bogus", "1"}, "--bogus"},
      {{"s.yaml", "--threads", "0"}, "--threads"},
      {{"s.yaml", "--shard", "3/3"}, "--shard"},
      {{"s.yaml", "--set", "novalue"}, "--set"},
      {{"s.yaml", "--grace-s", "-1"}, "--grace-s"},
      {{"s.yaml", "--seed"}, "--seed: missing value"},
      {{"s.yaml", "--processes", "2", "--shard", "0/2"}, "cannot be combined"},
      {{"a.yaml", "b.yaml"}, "b.yaml"},
  };
  for (const auto& [args, needle] : cases) {
    auto o = parse_run_options(args);
    ASSERT_FALSE(o.ok()) << needle;
    EXPECT_NE(o.error().message.find(needle), std::string::npos) << o.error().message;
  }
}

TEST(RunOptions, ClientFaultsParseInOrderAndRefuseBadSpecs) {
  auto o = parse_run_options({"s.yaml", "--client-partition", "2:7:0.3", "--slow-consumers", "1.5:4:1:250",
                              "--client-partition", "9:1:0"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  using Kind = ClientFault::Kind;
  EXPECT_EQ(o.value().client_faults,
            (std::vector<ClientFault>{{Kind::partition, 2, 7, 0.3, 0}, {Kind::slow, 1.5, 4, 1, 250},
                                      {Kind::partition, 9, 1, 0, 0}}));
  for (const std::string bad : {"2:7", "2:0:0.5", "2:7:1.5", "x:7:0.5", "2:7:0.5:100", "-1:7:0.5", "2::0.5"}) {
    auto r = parse_run_options({"s.yaml", "--client-partition", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("--client-partition"), std::string::npos) << r.error().message;
  }
  for (const std::string bad : {"2:7:0.5", "2:7:0.5:0", "2:7:0.5:1:2"}) {
    EXPECT_FALSE(parse_run_options({"s.yaml", "--slow-consumers", bad}).ok()) << bad;
  }
}

}  // namespace
}  // namespace parley::load
