// ChatService fan-out and redelivery: every device of every member except the sending one, one
// shared frame, push candidates for offline devices (no preview of ciphertext), redelivery after
// exactly 5 s to wherever the device is now, its bound, and delivery acks.
#include <gtest/gtest.h>

#include "chat_harness.hpp"

namespace parley {
namespace {

using namespace parley::testing;

class ChatFanOutTest : public ::testing::Test {
 protected:
  std::size_t lookups() const {
    std::size_t n = 0;
    for (const auto& r : h.executed) n += std::holds_alternative<store::RegistryLookup>(r.op) ? 1 : 0;
    return n;
  }

  ChatHarness h;
  const ConversationId ab = direct(alice, bob);
};

TEST_F(ChatFanOutTest, EveryDeviceOfEveryMemberExceptTheSenderSharesOneFrame) {
  const ConversationId team = h.make_group(50, {alice, bob, carol}, alice);
  for (auto d : {dev(alice, 1), dev(alice, 2), dev(bob, 1), dev(bob, 2), dev(bob, 3), dev(carol, 1)}) {
    h.online(d);
  }
  h.online(dev(dave, 1));  // not a member
  h.send(dev(alice, 1), team, "u1", "hi all");
  const auto all = h.routed_of<env::DeliverToDevice>();
  ASSERT_EQ(all.size(), 5u);
  EXPECT_TRUE(h.deliveries_to(dev(alice, 1)).empty());
  EXPECT_EQ(h.deliveries_to(dev(alice, 2)).size(), 1u);
  EXPECT_EQ(h.deliveries_to(dev(bob, 3)).size(), 1u);
  EXPECT_TRUE(h.deliveries_to(dev(dave, 1)).empty());
  for (const auto& d : all) {
    EXPECT_EQ(d.frame, all[0].frame);  // the same encoded bytes, not copies
    EXPECT_EQ(d.gateway, gateway_a);
    EXPECT_EQ(d.conv, team);
  }
  EXPECT_EQ(ChatHarness::message_of(all[0]).body.text, "hi all");
  EXPECT_EQ(lookups(), 1u);
  EXPECT_EQ(h.chat->stats().deliveries, 5u);
  EXPECT_EQ(h.chat->stats().pending_deliveries, 5u);
}

TEST_F(ChatFanOutTest, DevicesAreReachedThroughTheirOwnGateway) {
  h.online(dev(bob, 1), gateway_a);
  h.online(dev(bob, 2), gateway_b);
  h.send(dev(alice, 1), ab, "u1", "hi");
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).at(0).gateway, gateway_a);
  EXPECT_EQ(h.deliveries_to(dev(bob, 2)).at(0).gateway, gateway_b);
}

TEST_F(ChatFanOutTest, OfflineDevicesOfOthersBecomePushCandidates) {
  h.offline(dev(bob, 1));
  h.online(dev(bob, 2));
  h.offline(dev(alice, 2));  // the sender's own offline device: it syncs, no push
  h.send(dev(alice, 1), ab, "u1", "are you there?");
  const auto pushes = h.routed_of<env::PushCandidate>();
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].device, dev(bob, 1));
  EXPECT_EQ(pushes[0].conv, ab);
  EXPECT_EQ(pushes[0].sender, alice);
  EXPECT_EQ(pushes[0].kind, Body::Kind::text);
  EXPECT_EQ(pushes[0].preview, "are you there?");
  EXPECT_EQ(pushes[0].msg, h.deliveries_to(dev(bob, 2)).at(0).msg);
  EXPECT_NE(pushes[0].time_ms, 0u);
  EXPECT_EQ(h.chat->stats().push_candidates, 1u);
}

TEST_F(ChatFanOutTest, EncryptedMessagesGetAnEmptyPreview) {
  h.offline(dev(bob, 1));
  auto s = h.submit(dev(alice, 1), ab, "u1", "");
  s.body.kind = Body::Kind::encrypted;
  s.body.data = "b3BhcXVlIGNpcGhlcnRleHQ=";
  h.step(s);
  const auto pushes = h.routed_of<env::PushCandidate>();
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].kind, Body::Kind::encrypted);
  EXPECT_TRUE(pushes[0].preview.empty());
}

TEST_F(ChatFanOutTest, LongPreviewsAreCutOnACharacterBoundary) {
  h.offline(dev(bob, 1));
  std::string text = "a";
  for (int i = 0; i < 100; ++i) text += "\xC3\xA9";  // é, two bytes each
  auto s = h.submit(dev(alice, 1), ab, "u1", text);
  s.body.kind = Body::Kind::media;
  s.body.url = "https://media.example/x";
  h.step(s);
  const auto pushes = h.routed_of<env::PushCandidate>();
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].kind, Body::Kind::media);
  EXPECT_EQ(pushes[0].preview.size(), 119u);  // 120 would split an é
  EXPECT_EQ(text.compare(0, 119, pushes[0].preview), 0);
}

TEST_F(ChatFanOutTest, RedeliveryHappensAfterExactlyFiveSecondsWithTheSameFrame) {
  h.online(dev(bob, 1));
  h.send(dev(alice, 1), ab, "u1", "hi");
  ASSERT_EQ(h.deliveries_to(dev(bob, 1)).size(), 1u);
  h.clock.advance(4'999);
  h.tick();
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).size(), 1u);
  h.clock.advance(1);
  h.tick();
  const auto to_bob = h.deliveries_to(dev(bob, 1));
  ASSERT_EQ(to_bob.size(), 2u);
  EXPECT_EQ(to_bob[1].frame, to_bob[0].frame);
  EXPECT_EQ(to_bob[1].msg, to_bob[0].msg);
  EXPECT_EQ(h.chat->stats().redeliveries, 1u);
  EXPECT_EQ(h.chat->stats().deliveries, 1u);
}

TEST_F(ChatFanOutTest, RedeliveryIsBoundedThenGivesUp) {
  h.online(dev(bob, 1));
  h.send(dev(alice, 1), ab, "u1", "hi");
  for (int i = 0; i < 10; ++i) {
    h.clock.advance(5'000);
    h.tick();
  }
  // One delivery plus redelivery_attempts_max (5) redeliveries, then the device must sync.
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).size(), 6u);
  EXPECT_EQ(h.chat->stats().redeliveries, 5u);
  EXPECT_EQ(h.chat->stats().delivery_give_ups, 1u);
  EXPECT_EQ(h.chat->stats().pending_deliveries, 0u);
}

// A newer message acknowledged live must not silence an older one still missing on the device.
TEST_F(ChatFanOutTest, DeliveryAckClearsExactlyThatMessageOfThatDevice) {
  h.online(dev(bob, 1));
  h.online(dev(bob, 2));
  h.send(dev(alice, 1), ab, "u1", "one");
  h.send(dev(alice, 1), ab, "u2", "two");
  h.send(dev(alice, 1), ab, "u3", "three");
  const auto to_bob1 = h.deliveries_to(dev(bob, 1));
  ASSERT_EQ(to_bob1.size(), 3u);
  h.step(env::DeliveryAck{dev(bob, 1), ab, to_bob1[1].msg});  // "two" only
  EXPECT_EQ(h.chat->stats().pending_deliveries, 5u);  // bob1: one, three; bob2: all three
  h.clock.advance(5'000);
  h.tick();
  const auto again_bob1 = h.deliveries_to(dev(bob, 1));
  ASSERT_EQ(again_bob1.size(), 5u);
  EXPECT_EQ(again_bob1[3].msg, to_bob1[0].msg);
  EXPECT_EQ(again_bob1[4].msg, to_bob1[2].msg);
  EXPECT_EQ(h.deliveries_to(dev(bob, 2)).size(), 6u);  // bob2 never acked
  for (const auto& d : to_bob1) {
    h.step(env::DeliveryAck{dev(bob, 1), ab, d.msg});
    h.step(env::DeliveryAck{dev(bob, 2), ab, d.msg});
  }
  EXPECT_EQ(h.chat->stats().pending_deliveries, 0u);
  h.clock.advance(5'000);
  h.tick();
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).size(), 5u);
}

TEST_F(ChatFanOutTest, RedeliveryFollowsTheDeviceToItsNewGateway) {
  h.online(dev(bob, 1), gateway_a);
  h.send(dev(alice, 1), ab, "u1", "hi");
  h.online(dev(bob, 1), gateway_b);  // reconnected elsewhere without acking
  h.clock.advance(5'000);
  h.tick();
  const auto to_bob = h.deliveries_to(dev(bob, 1));
  ASSERT_EQ(to_bob.size(), 2u);
  EXPECT_EQ(to_bob[1].gateway, gateway_b);
}

// The live copy may have been lost just before the device went away; its sync on return starts
// from the newest id it holds, which may be past this message: the redelivery after its return
// brings it.
TEST_F(ChatFanOutTest, ADeviceOfflineAtRedeliveryGetsItAfterItsReturn) {
  h.online(dev(bob, 1));
  h.send(dev(alice, 1), ab, "u1", "hi");
  h.store.execute(store::RegistryDisconnect{dev(bob, 1), gateway_a, session_of(dev(bob, 1)).session});
  for (int i = 0; i < 8; ++i) {  // offline for longer than the attempts would last
    h.clock.advance(5'000);
    h.tick();
  }
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).size(), 1u);
  EXPECT_EQ(h.chat->stats().pending_deliveries, 1u);
  EXPECT_EQ(h.chat->stats().delivery_give_ups, 0u);
  EXPECT_TRUE(h.routed_of<env::PushCandidate>().empty());
  h.online(dev(bob, 1), gateway_b);
  h.clock.advance(5'000);
  h.tick();
  const auto to_bob = h.deliveries_to(dev(bob, 1));
  ASSERT_EQ(to_bob.size(), 2u);
  EXPECT_EQ(to_bob[1].gateway, gateway_b);
  EXPECT_EQ(to_bob[1].msg, to_bob[0].msg);
}

TEST_F(ChatFanOutTest, ADeviceOfflineLongerThanTheKeepIsGivenUpToSyncLater) {
  h.online(dev(bob, 1));
  h.send(dev(alice, 1), ab, "u1", "hi");
  h.store.execute(store::RegistryDisconnect{dev(bob, 1), gateway_a, session_of(dev(bob, 1)).session});
  const auto rounds = limits::redelivery_offline_keep_ms / limits::redelivery_after_ms + 1;
  for (std::uint64_t i = 0; i < rounds; ++i) {
    h.clock.advance(limits::redelivery_after_ms);
    h.tick();
  }
  EXPECT_EQ(h.chat->stats().pending_deliveries, 0u);
  EXPECT_EQ(h.chat->stats().delivery_give_ups, 1u);
  h.online(dev(bob, 1), gateway_b);
  h.clock.advance(5'000);
  h.tick();
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).size(), 1u);
}

TEST_F(ChatFanOutTest, AckArrivingWhileTheLocationIsResolvedCancelsTheRedelivery) {
  h.online(dev(bob, 1));
  h.send(dev(alice, 1), ab, "u1", "hi");
  h.hold = hold_all;
  h.clock.advance(5'000);
  h.tick();
  ASSERT_EQ(h.held_count<store::RegistryLookup>(), 1u);
  h.step(env::DeliveryAck{dev(bob, 1), ab, h.deliveries_to(dev(bob, 1))[0].msg});
  h.complete(0);
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).size(), 1u);
  EXPECT_EQ(h.chat->stats().redeliveries, 0u);
}

TEST_F(ChatFanOutTest, TickWithNothingDueAsksNothing) {
  h.online(dev(bob, 1));
  h.send(dev(alice, 1), ab, "u1", "hi");
  const auto before = h.executed.size();
  h.clock.advance(1'000);
  h.tick();
  h.tick();
  EXPECT_EQ(h.executed.size(), before);
}

TEST_F(ChatFanOutTest, RedeliveryLookupsAreBatchedPerTick) {
  h.online(dev(bob, 1));
  h.online(dev(bob, 2));
  h.send(dev(alice, 1), ab, "u1", "one");
  h.send(dev(alice, 1), ab, "u2", "two");
  const auto before = lookups();
  h.clock.advance(5'000);
  h.tick();
  EXPECT_EQ(lookups(), before + 1);
  EXPECT_EQ(h.chat->stats().redeliveries, 4u);
}

TEST_F(ChatFanOutTest, PendingDeliveriesAreBounded) {
  ChatConfig config;
  config.pending_deliveries_max = 1;
  ChatHarness small(config);
  small.online(dev(bob, 1));
  small.send(dev(alice, 1), ab, "u1", "one");
  small.send(dev(alice, 1), ab, "u2", "two");
  EXPECT_EQ(small.deliveries_to(dev(bob, 1)).size(), 2u);  // still delivered, just not tracked
  EXPECT_EQ(small.chat->stats().pending_deliveries, 1u);
  EXPECT_EQ(small.chat->stats().delivery_give_ups, 1u);
  small.clock.advance(5'000);
  small.tick();
  EXPECT_EQ(small.deliveries_to(dev(bob, 1)).size(), 3u);
  EXPECT_EQ(ChatHarness::message_of(small.deliveries_to(dev(bob, 1))[2]).body.text, "one");
}

// A connected recipient never syncs, so a failed lookup is asked again at the next tick, and the
// later message waits behind it: both arrive, in order (found by the simulator with chat_crash).
TEST_F(ChatFanOutTest, FailedRegistryLookupIsRetriedAtTheNextTickInOrder) {
  h.online(dev(bob, 1));
  h.hold = [](const store::Op& op) { return std::holds_alternative<store::RegistryLookup>(op); };
  h.send(dev(alice, 1), ab, "u1", "one");
  h.send(dev(alice, 1), ab, "u2", "two");
  h.complete(0, Error{ErrorCode::internal, "registry down"});
  h.complete(0);
  EXPECT_TRUE(h.deliveries_to(dev(bob, 1)).empty());  // "two" waits behind "one"
  EXPECT_EQ(h.frames_of<protocol::Ack>(session_of(dev(alice, 1))).size(), 2u);
  h.hold = nullptr;
  h.tick();
  const auto to_bob = h.deliveries_to(dev(bob, 1));
  ASSERT_EQ(to_bob.size(), 2u);
  EXPECT_EQ(ChatHarness::message_of(to_bob[0]).body.text, "one");
  EXPECT_EQ(ChatHarness::message_of(to_bob[1]).body.text, "two");
}

}  // namespace
}  // namespace parley
