// ChatService sends: persist-then-ack, dedup (cache, in flight, across a restart), per-conversation
// order when completions arrive out of order, store failures, membership and bounds.
#include "parley/chat_service.hpp"

#include <gtest/gtest.h>

#include "chat_harness.hpp"
#include "parley/snowflake.hpp"

namespace parley {
namespace {

using namespace parley::testing;

class ChatServiceTest : public ::testing::Test {
 protected:
  ChatServiceTest() {
    h.online(dev(alice, 1));
    h.online(dev(bob, 1));
  }
  std::vector<protocol::Ack> acks(DeviceRef d) const { return h.frames_of<protocol::Ack>(session_of(d)); }
  std::vector<protocol::ErrorFrame> errors(DeviceRef d) const {
    return h.frames_of<protocol::ErrorFrame>(session_of(d));
  }

  ChatHarness h;
  const ConversationId ab = direct(alice, bob);
};

TEST_F(ChatServiceTest, AckLeavesOnlyAfterTheAppendIsDurable) {
  h.hold = is_append;
  h.send(dev(alice, 1), ab, "u1", "hello");
  EXPECT_TRUE(acks(dev(alice, 1)).empty());
  EXPECT_TRUE(h.deliveries_to(dev(bob, 1)).empty());
  EXPECT_EQ(h.store.message_count(), 0u);
  EXPECT_EQ(h.chat->stats().pending_store_requests, 1u);
  ASSERT_EQ(h.held.size(), 1u);

  h.complete(0);
  const auto got = acks(dev(alice, 1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rid, "r-u1");
  EXPECT_EQ(got[0].client_uuid, "u1");
  EXPECT_EQ(got[0].conv, ab);
  EXPECT_FALSE(got[0].duplicate);
  ASSERT_EQ(h.deliveries_to(dev(bob, 1)).size(), 1u);
  EXPECT_EQ(h.deliveries_to(dev(bob, 1))[0].msg, got[0].msg);
  EXPECT_EQ(h.chat->stats().accepted, 1u);
  EXPECT_EQ(h.store.message_count(), 1u);
}

TEST_F(ChatServiceTest, IdsAreSnowflakesOfThisNodeAndTheAckCarriesTheirTime) {
  h.clock.set(snowflake::epoch_ms + 777'000);
  h.send(dev(alice, 1), ab, "u1", "hello");
  const auto got = acks(dev(alice, 1));
  ASSERT_EQ(got.size(), 1u);
  const auto parts = snowflake::decode(got[0].msg.value);
  EXPECT_EQ(parts.node, ChatConfig{}.node.value);
  EXPECT_EQ(parts.unix_ms, snowflake::epoch_ms + 777'000);
  EXPECT_EQ(got[0].time_ms, snowflake::epoch_ms + 777'000);
}

TEST_F(ChatServiceTest, RetriedSendIsAckedAsDuplicateWithoutSecondFanOut) {
  h.send(dev(alice, 1), ab, "u1", "hello");
  h.clock.advance(3'000);
  h.send(dev(alice, 1), ab, "u1", "hello");
  const auto got = acks(dev(alice, 1));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[0].duplicate);
  EXPECT_TRUE(got[1].duplicate);
  EXPECT_EQ(got[1].msg, got[0].msg);
  EXPECT_EQ(got[1].time_ms, got[0].time_ms);
  EXPECT_EQ(h.store.message_count(), 1u);
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).size(), 1u);
  EXPECT_EQ(h.chat->stats().duplicates, 1u);
  EXPECT_EQ(h.chat->stats().accepted, 1u);
}

TEST_F(ChatServiceTest, RetryWhileTheOriginalIsInFlightIsAckedWhenItCompletes) {
  h.hold = is_append;
  h.send(dev(alice, 1), ab, "u1", "hello");
  auto retry = h.submit(dev(alice, 1), ab, "u1", "hello");
  retry.rid = "again";
  h.step(retry);
  ASSERT_EQ(h.held.size(), 1u);  // the retry did not append again
  EXPECT_TRUE(acks(dev(alice, 1)).empty());
  h.complete(0);
  const auto got = acks(dev(alice, 1));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].rid, "r-u1");
  EXPECT_FALSE(got[0].duplicate);
  EXPECT_EQ(got[1].rid, "again");
  EXPECT_TRUE(got[1].duplicate);
  EXPECT_EQ(got[1].msg, got[0].msg);
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).size(), 1u);
}

TEST_F(ChatServiceTest, DedupSurvivesARestartThroughTheStore) {
  h.send(dev(alice, 1), ab, "u1", "hello");
  const MessageId original = acks(dev(alice, 1)).at(0).msg;
  h.restart();
  h.routed.clear();
  h.send(dev(alice, 1), ab, "u1", "hello");
  const auto got = acks(dev(alice, 1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].duplicate);
  EXPECT_EQ(got[0].msg, original);
  EXPECT_EQ(h.store.message_count(), 1u);
  // Bob never acknowledged it, so the restart re-fans it out, and the duplicate the store
  // answered does so again (chat_recovery.cpp): repeats of the same id, never a new one.
  EXPECT_FALSE(h.deliveries_to(dev(bob, 1)).empty());
  for (const auto& d : h.deliveries_to(dev(bob, 1))) EXPECT_EQ(d.msg, original);
  EXPECT_EQ(h.chat->stats().duplicates, 1u);
  EXPECT_EQ(h.chat->stats().accepted, 0u);
}

TEST_F(ChatServiceTest, EvictedDedupEntriesFallBackToTheStore) {
  ChatConfig config;
  config.dedup_entries_max = 1;
  ChatHarness small(config);
  small.online(dev(bob, 1));
  small.send(dev(alice, 1), ab, "u1", "one");
  small.send(dev(alice, 1), ab, "u2", "two");  // evicts u1 from the cache
  small.send(dev(alice, 1), ab, "u1", "one");
  const auto got = small.frames_of<protocol::Ack>(session_of(dev(alice, 1)));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[2].duplicate);
  EXPECT_EQ(got[2].msg, got[0].msg);
  EXPECT_EQ(small.store.message_count(), 2u);
  // The store answered the duplicate: this node cannot know the original was fanned out, so it
  // is delivered again under its own id (devices dedup it).
  ASSERT_EQ(small.deliveries_to(dev(bob, 1)).size(), 3u);
  EXPECT_EQ(small.deliveries_to(dev(bob, 1))[2].msg, got[0].msg);
}

TEST_F(ChatServiceTest, AcksAndFanOutFollowIdOrderWhateverOrderTheStoreAnswers) {
  h.online(dev(alice, 2));
  h.hold = is_append;
  h.send(dev(alice, 1), ab, "a1", "first");
  h.send(dev(bob, 1), ab, "b1", "second");
  h.send(dev(alice, 1), ab, "a2", "third");
  ASSERT_EQ(h.held.size(), 3u);
  h.complete(2);  // the third append completes first
  h.complete(1);
  EXPECT_TRUE(h.routed_of<env::ToSession>().empty());  // all wait for the first
  EXPECT_TRUE(h.routed_of<env::DeliverToDevice>().empty());
  h.complete(0);

  // The acks, in the order routed, follow the ids.
  std::vector<MessageId> acked;
  for (const auto& s : h.routed_of<env::ToSession>()) {
    auto frame = protocol::decode_server(*s.frame);
    ASSERT_TRUE(frame.ok());
    acked.push_back(std::get<protocol::Ack>(frame.value()).msg);
  }
  ASSERT_EQ(acked.size(), 3u);
  EXPECT_LT(acked[0], acked[1]);
  EXPECT_LT(acked[1], acked[2]);
  EXPECT_EQ(acks(dev(bob, 1)).at(0).msg, acked[1]);
  // alice's second device sees all three, in id order; bob's sees alice's two.
  const auto to_alice2 = h.deliveries_to(dev(alice, 2));
  ASSERT_EQ(to_alice2.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(to_alice2[i].msg, acked[i]);
  const auto to_bob = h.deliveries_to(dev(bob, 1));
  ASSERT_EQ(to_bob.size(), 2u);
  EXPECT_EQ(to_bob[0].msg, acked[0]);
  EXPECT_EQ(to_bob[1].msg, acked[2]);
  EXPECT_EQ(ChatHarness::message_of(to_bob[1]).body.text, "third");
}

TEST_F(ChatServiceTest, FanOutStaysInOrderWhenRegistryLookupsAnswerOutOfOrder) {
  h.hold = [](const store::Op& op) { return std::holds_alternative<store::RegistryLookup>(op); };
  h.send(dev(alice, 1), ab, "a1", "first");
  h.send(dev(alice, 1), ab, "a2", "second");
  ASSERT_EQ(h.held.size(), 2u);
  EXPECT_EQ(acks(dev(alice, 1)).size(), 2u);  // acks do not wait for the fan-out
  h.complete(1);
  EXPECT_TRUE(h.deliveries_to(dev(bob, 1)).empty());
  h.complete(0);
  const auto to_bob = h.deliveries_to(dev(bob, 1));
  ASSERT_EQ(to_bob.size(), 2u);
  EXPECT_EQ(ChatHarness::message_of(to_bob[0]).body.text, "first");
  EXPECT_EQ(ChatHarness::message_of(to_bob[1]).body.text, "second");
}

TEST_F(ChatServiceTest, StoreFailureIsAnInternalErrorAndTheRetrySucceeds) {
  h.hold = is_append;
  h.send(dev(alice, 1), ab, "u1", "lost");
  h.complete(0, Error{ErrorCode::internal, "disk full"});
  const auto failed = errors(dev(alice, 1));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, ErrorCode::internal);
  EXPECT_EQ(failed[0].rid, "r-u1");
  EXPECT_TRUE(acks(dev(alice, 1)).empty());
  EXPECT_EQ(h.chat->stats().store_failures, 1u);

  h.hold = nullptr;
  h.send(dev(alice, 1), ab, "u1", "lost");  // the client's retry, same uuid
  const auto got = acks(dev(alice, 1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].duplicate);
  EXPECT_EQ(h.store.message_count(), 1u);
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).size(), 1u);
}

TEST_F(ChatServiceTest, AFailedAppendDoesNotBlockLaterMessages) {
  h.hold = is_append;
  h.send(dev(alice, 1), ab, "u1", "fails");
  h.send(dev(alice, 1), ab, "u2", "works");
  h.complete(1);
  EXPECT_TRUE(acks(dev(alice, 1)).empty());  // waits for u1
  h.complete(0, Error{ErrorCode::internal, "io error"});
  ASSERT_EQ(errors(dev(alice, 1)).size(), 1u);
  const auto got = acks(dev(alice, 1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].client_uuid, "u2");
  const auto to_bob = h.deliveries_to(dev(bob, 1));
  ASSERT_EQ(to_bob.size(), 1u);
  EXPECT_EQ(ChatHarness::message_of(to_bob[0]).body.text, "works");
}

TEST_F(ChatServiceTest, NonMembersCannotSendToADirectConversation) {
  h.send(dev(carol, 1), ab, "c1", "let me in");
  const auto failed = h.frames_of<protocol::ErrorFrame>(session_of(dev(carol, 1)));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, ErrorCode::not_member);
  EXPECT_EQ(h.store.message_count(), 0u);
  EXPECT_TRUE(h.executed.empty());
}

TEST_F(ChatServiceTest, UnknownConversationIdsAreNotFound) {
  h.send(dev(alice, 1), ConversationId{}, "x1", "nowhere");
  h.send(dev(alice, 1), ConversationId{direct_conversation_bit | 12345}, "x2", "nowhere");
  const auto failed = errors(dev(alice, 1));
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].code, ErrorCode::not_found);
  EXPECT_EQ(failed[1].code, ErrorCode::not_found);
}

TEST_F(ChatServiceTest, PendingStoreRequestsAreBoundedWithOverloaded) {
  ChatConfig config;
  config.pending_store_requests_max = 2;
  ChatHarness small(config);
  small.hold = hold_all;
  small.send(dev(alice, 1), ab, "u1", "one");
  small.send(dev(alice, 1), ab, "u2", "two");
  small.send(dev(alice, 1), ab, "u3", "three");
  EXPECT_EQ(small.held.size(), 2u);
  const auto failed = small.frames_of<protocol::ErrorFrame>(session_of(dev(alice, 1)));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, ErrorCode::overloaded);
  EXPECT_EQ(failed[0].rid, "r-u3");
  EXPECT_EQ(small.chat->stats().overloaded, 1u);
  EXPECT_EQ(small.chat->stats().pending_store_requests, 2u);
}

TEST_F(ChatServiceTest, IdleConversationsAreEvictedAndBusyOnesAreKept) {
  ChatConfig config;
  config.conversations_cached_max = 1;
  ChatHarness small(config);
  small.online(dev(bob, 1));
  const ConversationId team = small.make_group(77, {alice, bob}, alice);
  auto loads = [&] {
    std::size_t n = 0;
    for (const auto& r : small.executed) n += std::holds_alternative<store::GetGroup>(r.op) ? 1 : 0;
    return n;
  };
  small.send(dev(alice, 1), team, "g1", "group");
  small.send(dev(alice, 1), ab, "d1", "direct");  // the idle group is evicted
  small.send(dev(alice, 1), team, "g2", "group again");
  EXPECT_EQ(loads(), 2u);  // evicted, so loaded again
  EXPECT_EQ(small.frames_of<protocol::Ack>(session_of(dev(alice, 1))).size(), 3u);

  small.hold = is_append;
  small.send(dev(alice, 1), team, "g3", "pending");  // the group is busy now
  small.send(dev(alice, 1), ab, "d2", "refused");
  const auto failed = small.frames_of<protocol::ErrorFrame>(session_of(dev(alice, 1)));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, ErrorCode::overloaded);
  EXPECT_EQ(failed[0].rid, "r-d2");
  small.complete(0);
  small.send(dev(alice, 1), ab, "d2", "accepted now");
  ASSERT_EQ(small.held.size(), 1u);
  small.complete(0);
  EXPECT_EQ(small.frames_of<protocol::Ack>(session_of(dev(alice, 1))).size(), 5u);
}

TEST_F(ChatServiceTest, MakeRejectsAnOutOfRangeNode) {
  ChatConfig config;
  config.node = NodeId{snowflake::node_max + 1};
  ManualClock clock;
  auto made = ChatService::make(config, clock);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::invalid_value);
}

TEST_F(ChatServiceTest, StaleCompletionsAndForeignEnvelopesAreIgnored) {
  h.step(StoreDone{RequestId{999}, store::Done{}});
  h.step(env::ReadUpTo{alice, ab});
  h.tick();
  EXPECT_TRUE(h.routed.empty());
  EXPECT_TRUE(h.executed.empty());
}

}  // namespace
}  // namespace parley
