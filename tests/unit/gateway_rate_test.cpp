// Gateway per-connection rate limit: a token bucket over every client frame, driven by the
// ManualClock. Refused frames are answered rate_limited (with their rid) and not acted on;
// sustained abuse closes the session.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway_harness.hpp"

namespace parley {
namespace {

using namespace gateway_testing;  // NOLINT: the harness is this file's vocabulary

constexpr std::uint32_t kRate = 10;      // frames per second: one token every 100 ms
constexpr std::uint32_t kBurst = 5;
constexpr std::uint32_t kRefusals = 3;

GatewayConfig rate_config(std::uint32_t rate = kRate) {
  GatewayConfig c = config_with();
  c.frames_per_s = rate;
  c.frames_burst = kBurst;
  c.rate_refusals_max = kRefusals;
  return c;
}

class GatewayRateTest : public GatewayTest {
 protected:
  GatewayRateTest() : GatewayTest(rate_config()) {}

  // Logs alice in (the auth frame takes one token) and refills the bucket.
  void SetUp() override {
    login(kS1, kAlice);
    clock_.advance(1'000);
  }
  // One history request; returns the effects it caused.
  std::vector<Effect> history(const std::string& rid) {
    frame(kS1, protocol::History{rid, kConvA, MessageId{}, 10});
    return drain();
  }
  static bool queried(const std::vector<Effect>& fx) { return routed<env::HistoryQuery>(fx).size() == 1; }
  static bool refused(const std::vector<Effect>& fx, const std::string& rid) {
    const auto errors = errors_to(fx, kS1);
    return errors.size() == 1 && errors[0].code == ErrorCode::rate_limited && errors[0].rid == rid &&
           routed<env::HistoryQuery>(fx).empty();
  }
};

TEST_F(GatewayRateTest, BurstPassesThenTheNextFrameIsRefusedWithItsRid) {
  for (std::uint32_t i = 0; i < kBurst; ++i) EXPECT_TRUE(queried(history("h" + std::to_string(i)))) << i;
  const auto fx = history("over");
  EXPECT_TRUE(refused(fx, "over"));
  EXPECT_TRUE(all_of<CloseSession>(fx).empty());
  EXPECT_EQ(gw_.stats().frames_rate_limited, 1u);
}

TEST_F(GatewayRateTest, TheBucketRefillsAtTheRateUpToTheBurst) {
  for (std::uint32_t i = 0; i < kBurst; ++i) history("b");
  clock_.advance(99);
  EXPECT_TRUE(refused(history("early"), "early"));
  clock_.advance(1);  // 100 ms since the bucket emptied: one frame's worth
  EXPECT_TRUE(queried(history("one")));
  EXPECT_TRUE(refused(history("two"), "two"));

  clock_.advance(60'000);  // a long pause refills only up to the burst
  for (std::uint32_t i = 0; i < kBurst; ++i) EXPECT_TRUE(queried(history("again"))) << i;
  EXPECT_TRUE(refused(history("capped"), "capped"));
}

TEST_F(GatewayRateTest, SustainedAbuseClosesTheSessionWithRateLimited) {
  for (std::uint32_t i = 0; i < kBurst; ++i) history("b");
  for (std::uint32_t i = 1; i < kRefusals; ++i) EXPECT_TRUE(refused(history("r"), "r"));
  const auto fx = history("last");
  EXPECT_TRUE(closed(fx, kS1, ErrorCode::rate_limited));
  const auto errors = errors_to(fx, kS1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, ErrorCode::rate_limited);
  EXPECT_EQ(routed<env::DeviceOffline>(fx).size(), 1u);  // the session is gone, like any close
  EXPECT_EQ(gw_.stats().closed_rate_limited, 1u);
  EXPECT_EQ(gw_.stats().sessions, 0u);
  EXPECT_TRUE(history("after").empty());  // frames still in the transport are ignored
}

TEST_F(GatewayRateTest, AnAcceptedFrameForgivesEarlierRefusals) {
  for (std::uint32_t i = 0; i < kBurst; ++i) history("b");
  for (int round = 0; round < 5; ++round) {
    for (std::uint32_t i = 1; i < kRefusals; ++i) EXPECT_TRUE(refused(history("r"), "r"));
    clock_.advance(100);
    EXPECT_TRUE(queried(history("ok"))) << round;  // a client that backs off is never closed
  }
  EXPECT_EQ(gw_.stats().closed_rate_limited, 0u);
}

TEST_F(GatewayRateTest, BadFramesCostTokensToo) {
  for (std::uint32_t i = 0; i < kBurst; ++i) {
    gw_.step(gw::FrameIn{kS1, "not json"});
    EXPECT_EQ(errors_to(drain(), kS1).at(0).code, ErrorCode::bad_json);
  }
  gw_.step(gw::FrameIn{kS1, "not json"});
  EXPECT_EQ(errors_to(drain(), kS1).at(0).code, ErrorCode::rate_limited);
}

TEST_F(GatewayRateTest, SessionsHaveTheirOwnBuckets) {
  login(kS2, kBob);
  for (std::uint32_t i = 0; i < kBurst; ++i) history("b");
  EXPECT_TRUE(refused(history("a"), "a"));
  frame(kS2, protocol::History{"bob", kConvB, MessageId{}, 10});
  const auto fx = drain();
  EXPECT_TRUE(errors_to(fx, kS2).empty());
  EXPECT_EQ(routed<env::HistoryQuery>(fx).size(), 1u);
}

class GatewayAuthFloodTest : public GatewayTest {
 protected:
  GatewayAuthFloodTest() : GatewayTest(rate_config()) {}
};

TEST_F(GatewayAuthFloodTest, FramesBeforeAuthAreLimitedAndAFloodIsClosed) {
  gw_.step(gw::Opened{kS1});
  for (std::uint32_t i = 0; i < kBurst; ++i) {
    raw(kS1, R"({"op":"typing","conv":"11"})");
    EXPECT_EQ(errors_to(drain(), kS1).at(0).code, ErrorCode::not_authenticated);
  }
  std::vector<Effect> fx;
  for (std::uint32_t i = 0; i < kRefusals; ++i) {
    raw(kS1, R"({"op":"auth","token":"t"})");
    for (auto& e : drain()) fx.push_back(std::move(e));
  }
  EXPECT_TRUE(all_of<VerifyToken>(fx).empty());  // a refused auth is not verified
  EXPECT_TRUE(closed(fx, kS1, ErrorCode::rate_limited));
}

class GatewayUnlimitedTest : public GatewayTest {
 protected:
  GatewayUnlimitedTest() : GatewayTest(rate_config(0)) {}
};

TEST_F(GatewayUnlimitedTest, ZeroRateMeansNoLimit) {
  login(kS1, kAlice);
  for (int i = 0; i < 1'000; ++i) {
    frame(kS1, protocol::History{"h", kConvA, MessageId{}, 10});
    const auto fx = drain();
    ASSERT_TRUE(errors_to(fx, kS1).empty()) << i;
  }
  EXPECT_EQ(gw_.stats().frames_rate_limited, 0u);
}

}  // namespace
}  // namespace parley
