// Gateway role, delivery side: the per-session delivery window and envelopes turned into frames
// for our sessions (gateway_delivery.cpp), driven through inputs with a ManualClock.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway_harness.hpp"

namespace parley {
namespace {

using namespace gateway_testing;  // NOLINT: the harness is this file's vocabulary

// ---- delivery window ---------------------------------------------------------------------------

class GatewayWindowTest : public GatewayTest {
 protected:
  GatewayWindowTest() : GatewayTest(config_with(3)) {}
};

TEST_F(GatewayWindowTest, DeliveryBeyondTheWindowClosesASlowConsumer) {
  login(kS1, kAlice);
  for (std::uint64_t m = 1; m <= 3; ++m) deliver(kAlice, kConvA, m);
  deliver(kAlice, kConvA, 2);  // a redelivery does not take another place in the window
  auto fx = drain();
  EXPECT_EQ(all_of<SendFrame>(fx).size(), 4u);
  EXPECT_TRUE(all_of<CloseSession>(fx).empty());

  deliver(kAlice, kConvB, 4);
  fx = drain();
  ASSERT_EQ(errors_to(fx, kS1).size(), 1u);  // the error, not the message
  EXPECT_EQ(errors_to(fx, kS1)[0].code, ErrorCode::slow_consumer);
  EXPECT_EQ(frames_to(fx, kS1).size(), 1u);
  EXPECT_TRUE(closed(fx, kS1, ErrorCode::slow_consumer));
  EXPECT_EQ(gw_.stats().closed_slow_consumer, 1u);

  deliver(kAlice, kConvB, 5);  // nothing after the close
  EXPECT_TRUE(drain().empty());
}

TEST_F(GatewayWindowTest, DeliveredAcksFreeExactlyTheAckedMessage) {
  login(kS1, kAlice);
  for (std::uint64_t m = 1; m <= 3; ++m) deliver(kAlice, kConvA, m);
  frame(kS1, protocol::Delivered{kConvB, MessageId{99}});  // another conversation frees nothing
  frame(kS1, protocol::Delivered{kConvA, MessageId{2}});
  auto fx = drain();
  const auto acks = routed<env::DeliveryAck>(fx);
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[1].device, kAlice);
  EXPECT_EQ(acks[1].conv, kConvA);
  EXPECT_EQ(acks[1].msg, MessageId{2});

  deliver(kAlice, kConvA, 4);  // window: A1, A3, A4 (acking A2 freed only A2)
  EXPECT_TRUE(all_of<CloseSession>(drain()).empty());
  frame(kS1, protocol::Delivered{kConvA, MessageId{1}});
  deliver(kAlice, kConvB, 5);  // window: A3, A4, B5
  EXPECT_TRUE(all_of<CloseSession>(drain()).empty());
  deliver(kAlice, kConvB, 6);
  EXPECT_TRUE(closed(drain(), kS1, ErrorCode::slow_consumer));
}

// ---- envelopes → frames --------------------------------------------------------------------------

TEST_F(GatewayTest, EnvelopesReachTheirSessionsWithTheSharedFrame) {
  login(kS1, kAlice);
  login(kS2, kBob);
  const FramePtr reply = shared("reply");
  gw_.step(Envelope{env::ToSession{{kNode, kS1}, reply}});
  gw_.step(Envelope{env::ToSession{{kNode, SessionId{999}}, reply}});
  auto sends = all_of<SendFrame>(drain());
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].session, kS1);
  EXPECT_EQ(sends[0].frame, reply);  // the same pointer: never re-encoded

  const FramePtr typing = shared("typing");
  const DeviceRef offline{UserId{3}, DeviceId{1}};
  gw_.step(Envelope{env::NotifyDevices{kNode, {kAlice, offline, kBob}, typing}});
  sends = all_of<SendFrame>(drain());
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].session, kS1);
  EXPECT_EQ(sends[1].session, kS2);
  EXPECT_EQ(sends[0].frame, typing);

  const FramePtr presence = shared("presence");
  gw_.step(Envelope{env::NotifySessions{kNode, {kS2, SessionId{999}}, presence}});
  sends = all_of<SendFrame>(drain());
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].session, kS2);

  deliver(offline, kConvA, 1);  // no session for that device: dropped silently
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(gw_.stats().frames_out, 2u + 4u);  // two AuthOk, then the four above
}

TEST_F(GatewayTest, UnwatchForgetsOnlyWatchedUsers) {
  login(kS1, kAlice);
  gw_.step(Envelope{env::WatchList{{kNode, kS1}, "", kConvA, {UserId{5}}, true}});
  gw_.step(Envelope{env::WatchList{{kNode, kS1}, "", kConvA, {UserId{5}, UserId{6}}, false}});
  const auto watches = routed<env::Watch>(drain());
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_FALSE(watches[1].subscribe);
  EXPECT_EQ(watches[1].user, UserId{5});
  gw_.step(gw::Closed{kS1});
  EXPECT_TRUE(routed<env::Watch>(drain()).empty());
}

class GatewayWatchLimitTest : public GatewayTest {
 protected:
  GatewayWatchLimitTest() : GatewayTest(config_with(limits::device_window_max, 2)) {}
};

TEST_F(GatewayWatchLimitTest, WatchingMoreThanTheLimitIsRefusedWithTheRid) {
  login(kS1, kAlice);
  gw_.step(Envelope{env::WatchList{{kNode, kS1}, "r1", kConvA, {UserId{5}, UserId{6}, UserId{7}}, true}});
  const auto fx = drain();
  const auto watches = routed<env::Watch>(fx);
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_EQ(watches[0].user, UserId{5});
  EXPECT_EQ(watches[1].user, UserId{6});
  const auto errors = errors_to(fx, kS1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, ErrorCode::too_many_items);
  EXPECT_EQ(errors[0].rid, "r1");
  EXPECT_TRUE(all_of<CloseSession>(fx).empty());

  gw_.step(gw::Closed{kS1});
  EXPECT_EQ(routed<env::Watch>(drain()).size(), 2u);  // only what was recorded is withdrawn
}


}  // namespace
}  // namespace parley
