// ChatService after a crash (issue #5, simulator seed 19): a crash is the ChatService destroyed
// and a new one built over the same store. Messages whose fan-out or delivery had not settled are
// re-fanned out from the conversation's durable cursor, with no retry from the sender, in order
// with new messages; settled ones are not; the cursor costs no write per recipient.
#include <gtest/gtest.h>

#include "chat_harness.hpp"
#include "parley/snowflake.hpp"

namespace parley {
namespace {

using namespace parley::testing;

class ChatRecoveryTest : public ::testing::Test {
 protected:
  ChatRecoveryTest() {
    h.online(dev(alice, 1));
    h.online(dev(bob, 1));
  }
  std::vector<protocol::Ack> acks(DeviceRef d) const { return h.frames_of<protocol::Ack>(session_of(d)); }
  std::vector<MessageId> delivered(DeviceRef d) const {
    std::vector<MessageId> ids;
    for (const auto& x : h.deliveries_to(d)) ids.push_back(x.msg);
    return ids;
  }
  // The held append runs in the store, but its answer is lost with the node.
  MessageId land_held_append() {
    EXPECT_EQ(h.held.size(), 1u);
    const auto& op = std::get<store::AppendMessage>(h.held.at(0).op);
    h.store.execute(op);
    return op.message.id;
  }
  template <class Op>
  std::size_t executed_of() const {
    std::size_t n = 0;
    for (const auto& r : h.executed) n += std::holds_alternative<Op>(r.op) ? 1 : 0;
    return n;
  }
  void crash_and_restart() {
    h.routed.clear();
    h.executed.clear();
    h.hold = nullptr;
    h.restart();  // the backlog scan goes out with the new service's first drain
    h.tick();
  }

  ChatHarness h;
  const ConversationId ab = direct(alice, bob);
};

// Seed 19: the write landed while the node was down; the recipient stays connected and never
// syncs; the sender does not even retry.
TEST_F(ChatRecoveryTest, AppendThatLandedDuringTheCrashIsFannedOutWithoutARetry) {
  h.hold = is_append;
  h.send(dev(alice, 1), ab, "u1", "hello");
  const MessageId id = land_held_append();
  crash_and_restart();
  EXPECT_EQ(delivered(dev(bob, 1)), std::vector<MessageId>{id});
  EXPECT_TRUE(delivered(dev(alice, 1)).empty());  // never to the sending device
  EXPECT_EQ(h.chat->stats().recovered_conversations, 1u);
  EXPECT_EQ(h.chat->stats().recovered_messages, 1u);
}

TEST_F(ChatRecoveryTest, RetryAfterTheRestartIsAckedWithTheOriginalAndDelivered) {
  h.hold = is_append;
  h.send(dev(alice, 1), ab, "u1", "hello");
  const MessageId id = land_held_append();
  crash_and_restart();
  h.send(dev(alice, 1), ab, "u1", "hello");
  const auto got = acks(dev(alice, 1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].duplicate);
  EXPECT_EQ(got[0].msg, id);
  ASSERT_FALSE(delivered(dev(bob, 1)).empty());
  for (const MessageId m : delivered(dev(bob, 1))) EXPECT_EQ(m, id);  // repeats carry the same id
  EXPECT_EQ(h.store.message_count(), 1u);
}

// Acked, then the node crashed before its registry lookup answered: the ack is out, no retry comes.
TEST_F(ChatRecoveryTest, AckedMessageWhoseFanOutWasLostIsDeliveredAfterTheRestart) {
  h.hold = [](const store::Op& op) { return std::holds_alternative<store::RegistryLookup>(op); };
  h.send(dev(alice, 1), ab, "u1", "hello");
  const MessageId id = acks(dev(alice, 1)).at(0).msg;
  EXPECT_TRUE(delivered(dev(bob, 1)).empty());
  crash_and_restart();
  EXPECT_EQ(delivered(dev(bob, 1)), std::vector<MessageId>{id});
}

// Delivered but never acknowledged: the redelivery timer died with the node, the cursor did not.
TEST_F(ChatRecoveryTest, UnacknowledgedDeliveryIsSentAgainAfterTheRestart) {
  h.send(dev(alice, 1), ab, "u1", "hello");
  const MessageId id = acks(dev(alice, 1)).at(0).msg;
  h.clock.advance(10 * limits::fanout_mark_flush_ms);
  h.tick();
  crash_and_restart();
  EXPECT_EQ(delivered(dev(bob, 1)), std::vector<MessageId>{id});
}

// Seed 530: the live copy was lost on the way (a partition), the device got a newer message live
// and then dropped; the node crashed, and its recovery found the device offline. Its sync would
// start past the lost message, so the recovery keeps it for the device's return.
TEST_F(ChatRecoveryTest, RecoveryKeepsAnUnsettledMessageForAnOfflineDeviceUntilItIsBack) {
  h.send(dev(alice, 1), ab, "u1", "lost on the way");
  const MessageId id = acks(dev(alice, 1)).at(0).msg;
  h.store.execute(store::RegistryDisconnect{dev(bob, 1), gateway_a, session_of(dev(bob, 1)).session});
  crash_and_restart();
  EXPECT_TRUE(delivered(dev(bob, 1)).empty());  // offline at the recovery
  EXPECT_EQ(h.chat->stats().pending_deliveries, 1u);
  h.online(dev(bob, 1), gateway_b);
  h.clock.advance(limits::redelivery_after_ms);
  h.tick();
  const auto to_bob = h.deliveries_to(dev(bob, 1));
  ASSERT_EQ(to_bob.size(), 1u);
  EXPECT_EQ(to_bob[0].msg, id);
  EXPECT_EQ(to_bob[0].gateway, gateway_b);
}

TEST_F(ChatRecoveryTest, SettledMessagesAreNotSentAgain) {
  h.send(dev(alice, 1), ab, "u1", "hello");
  const MessageId id = acks(dev(alice, 1)).at(0).msg;
  h.step(env::DeliveryAck{dev(bob, 1), ab, id});
  h.clock.advance(limits::fanout_mark_flush_ms);
  h.tick();  // the cursor no append carried is written on its own
  EXPECT_EQ(executed_of<store::MarkFannedOut>(), 1u);
  crash_and_restart();
  EXPECT_TRUE(delivered(dev(bob, 1)).empty());
  EXPECT_EQ(h.chat->stats().recovered_conversations, 0u);
}

// Until the backlog is read, a conversation's inputs wait: the recovered message reaches the
// device before a message sent after the restart.
TEST_F(ChatRecoveryTest, OrderHoldsBetweenRecoveredAndNewMessages) {
  h.hold = is_append;
  h.send(dev(alice, 1), ab, "u1", "one");
  const MessageId first = land_held_append();
  h.hold = hold_all;
  h.hold_scan = true;
  h.restart();
  h.routed.clear();
  h.clock.advance(1);
  h.send(dev(alice, 1), ab, "u2", "two");
  ASSERT_EQ(h.held.size(), 1u);  // only the scan: the send waits behind it
  EXPECT_EQ(h.held_count<store::ListFanoutBacklog>(), 1u);
  h.hold = nullptr;
  h.complete_all();
  const auto got = acks(dev(alice, 1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].duplicate);
  EXPECT_EQ(delivered(dev(bob, 1)), (std::vector<MessageId>{first, got[0].msg}));
}

TEST_F(ChatRecoveryTest, GroupMembersGetTheRecoveredMessage) {
  h.online(dev(carol, 1));
  const ConversationId g = h.make_group(91, {alice, bob, carol}, alice);
  h.send(dev(alice, 1), g, "warm", "load the group");
  h.hold = is_append;
  h.send(dev(alice, 1), g, "u1", "hello");
  const MessageId id = land_held_append();
  crash_and_restart();
  // "warm" was never acknowledged either, so it comes again, in order, before "hello".
  for (const DeviceRef d : {dev(bob, 1), dev(carol, 1)}) {
    const auto got = delivered(d);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_LT(got[0], id);
    EXPECT_EQ(got[1], id);
  }
  EXPECT_TRUE(delivered(dev(alice, 1)).empty());
}

TEST_F(ChatRecoveryTest, OnlyTheOwnerRecoversAConversation) {
  ChatConfig config;
  config.owns = [](ConversationId) { return false; };
  ChatHarness other(config);
  other.online(dev(bob, 1));
  other.hold = is_append;
  other.send(dev(alice, 1), ab, "u1", "hello");
  other.store.execute(other.held.at(0).op);
  other.hold = nullptr;
  other.restart();
  EXPECT_TRUE(other.deliveries_to(dev(bob, 1)).empty());
}

// The cursor rides with the next append; on its own it is one write per conversation per flush
// interval, whatever the number of members.
TEST_F(ChatRecoveryTest, CursorCostsNoWritePerRecipient) {
  std::vector<UserId> members;
  for (std::uint64_t u = 1; u <= 500; ++u) {
    members.push_back(UserId{u});
    h.online(dev(UserId{u}, 1));
  }
  const ConversationId g = h.make_group(92, members, alice);
  h.send(dev(alice, 1), g, "u1", "one");
  const MessageId first = acks(dev(alice, 1)).at(0).msg;
  for (std::uint64_t u = 2; u <= 500; ++u) h.step(env::DeliveryAck{dev(UserId{u}, 1), g, first});
  h.clock.advance(1);
  h.send(dev(alice, 1), g, "u2", "two");
  std::vector<store::AppendMessage> appends;
  for (const auto& r : h.executed) {
    if (const auto* a = std::get_if<store::AppendMessage>(&r.op)) appends.push_back(*a);
  }
  ASSERT_EQ(appends.size(), 2u);
  EXPECT_EQ(appends[1].fanned_out, first);  // carried by the second message's own write
  EXPECT_EQ(executed_of<store::MarkFannedOut>(), 0u);
  const MessageId second = acks(dev(alice, 1)).at(1).msg;
  for (std::uint64_t u = 2; u <= 500; ++u) h.step(env::DeliveryAck{dev(UserId{u}, 1), g, second});
  h.tick();
  EXPECT_EQ(executed_of<store::MarkFannedOut>(), 0u);  // waits for an append to carry it
  h.clock.advance(limits::fanout_mark_flush_ms);
  h.tick();
  h.tick();
  EXPECT_EQ(executed_of<store::MarkFannedOut>(), 1u);
}

// The clock stepped back before the crash (found by the simulator: chat_crash with clock_step):
// the new service must not issue ids below the ones the store holds.
TEST_F(ChatRecoveryTest, IdsAfterARestartFollowTheStoredOnesWhenTheClockIsBehind) {
  h.clock.set(snowflake::epoch_ms + 60'000);
  h.send(dev(alice, 1), ab, "u1", "before");
  const MessageId before = acks(dev(alice, 1)).at(0).msg;
  h.clock.set(snowflake::epoch_ms + 57'000);  // 3 s back
  crash_and_restart();
  h.send(dev(alice, 1), ab, "u2", "after");
  const auto got = acks(dev(alice, 1));  // the log starts at the restart
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].duplicate);
  EXPECT_GT(got[0].msg, before);
}

// Not a crash: the store answered an error but the write landed. The retry is answered by the
// store's dedup, and the message is fanned out then.
TEST_F(ChatRecoveryTest, StoreAnsweredDuplicateReDrivesTheFanOut) {
  h.hold = is_append;
  h.send(dev(alice, 1), ab, "u1", "hello");
  const MessageId id = land_held_append();
  h.complete(0, store::Outcome{Error{ErrorCode::internal, "timeout"}});
  ASSERT_EQ(h.frames_of<protocol::ErrorFrame>(session_of(dev(alice, 1))).size(), 1u);
  h.hold = nullptr;
  h.send(dev(alice, 1), ab, "u1", "hello");
  ASSERT_EQ(acks(dev(alice, 1)).size(), 1u);
  EXPECT_TRUE(acks(dev(alice, 1))[0].duplicate);
  EXPECT_EQ(delivered(dev(bob, 1)), std::vector<MessageId>{id});
}

// The store's side (MemoryStore; RocksStore is held to the same answers by the differential
// test): appends move `last`, cursors only move forward, the backlog lists last > done in
// conversation order, paged.
TEST(FanoutMarks, BacklogListsConversationsBehindTheirCursorInOrder) {
  MemoryStore store;
  auto append = [&](std::uint64_t conv, std::uint64_t id, std::uint64_t fanned_out) {
    StoredMessage m;
    m.conv = ConversationId{conv};
    m.id = MessageId{id};
    m.sender = alice;
    m.body.text = "x";
    store.execute(store::AppendMessage{m, {alice}, true, MessageId{fanned_out}});
  };
  append(5, 10, 0);
  append(5, 11, 10);  // carries the cursor for 10
  append(7, 20, 0);
  append(9, 30, 0);
  store.execute(store::MarkFannedOut{ConversationId{9}, MessageId{30}});
  store.execute(store::MarkFannedOut{ConversationId{9}, MessageId{3}});  // never moves back
  const auto all = std::get<store::Backlog>(store.execute(store::ListFanoutBacklog{ConversationId{}, 0}));
  EXPECT_EQ(all.marks, (std::vector<store::FanoutMark>{{ConversationId{5}, MessageId{11}, MessageId{10}},
                                                       {ConversationId{7}, MessageId{20}, MessageId{}}}));
  EXPECT_FALSE(all.more);
  EXPECT_EQ(all.newest, MessageId{30});  // conversation 9 is settled, its last id still counts
  const auto first = std::get<store::Backlog>(store.execute(store::ListFanoutBacklog{ConversationId{}, 1}));
  ASSERT_EQ(first.marks.size(), 1u);
  EXPECT_TRUE(first.more);
  const auto next = std::get<store::Backlog>(store.execute(store::ListFanoutBacklog{first.marks[0].conv, 1}));
  ASSERT_EQ(next.marks.size(), 1u);
  EXPECT_EQ(next.marks[0].conv, ConversationId{7});
  EXPECT_FALSE(next.more);
  EXPECT_TRUE(std::holds_alternative<Error>(store.execute(store::MarkFannedOut{ConversationId{}, MessageId{1}})));
}

}  // namespace
}  // namespace parley
