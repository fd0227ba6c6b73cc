// ChatService queries and ephemeral notifications: history paging, sync replay and resync after
// retention, search scope (own conversations, never ciphertext), typing (never stored, never back
// to the typist), read receipts per gateway, and presence interest.
#include <gtest/gtest.h>

#include "chat_harness.hpp"

namespace parley {
namespace {

using namespace parley::testing;

class ChatQueriesTest : public ::testing::Test {
 protected:
  ChatQueriesTest() {
    for (int i = 1; i <= 5; ++i) {
      h.send(dev(alice, 1), ab, "m" + std::to_string(i), "message " + std::to_string(i));
    }
    for (const auto& a : h.frames_of<protocol::Ack>(session_of(dev(alice, 1)))) ids.push_back(a.msg);
    h.routed.clear();
  }
  env::HistoryQuery history(DeviceRef d, MessageId before, std::uint32_t limit) const {
    return env::HistoryQuery{session_of(d), d, "h", ab, before, limit};
  }
  env::SyncQuery sync(DeviceRef d, MessageId after, std::uint32_t limit = 0) const {
    return env::SyncQuery{session_of(d), d, "s", ab, after, limit};
  }
  env::SearchQuery search(DeviceRef d, std::string query, ConversationId conv = {}) const {
    return env::SearchQuery{session_of(d), d, "q", std::move(query), conv, 0};
  }
  static std::vector<MessageId> ids_of(const std::vector<StoredMessage>& messages) {
    std::vector<MessageId> out;
    for (const auto& m : messages) out.push_back(m.id);
    return out;
  }
  std::size_t store_writes() const {
    std::size_t n = 0;
    for (const auto& r : h.executed) {
      n += std::holds_alternative<store::AppendMessage>(r.op) || std::holds_alternative<store::PutReceipt>(r.op);
    }
    return n;
  }

  ChatHarness h;
  const ConversationId ab = direct(alice, bob);
  std::vector<MessageId> ids;  // the five messages, oldest first
};

TEST_F(ChatQueriesTest, HistoryPagesBackwardsWithBefore) {
  ASSERT_EQ(ids.size(), 5u);
  h.step(history(dev(bob, 1), MessageId{}, 2));
  h.step(history(dev(bob, 1), ids[3], 2));
  h.step(history(dev(bob, 1), ids[1], 2));
  const auto pages = h.frames_of<protocol::HistoryPage>(session_of(dev(bob, 1)));
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(ids_of(pages[0].messages), (std::vector<MessageId>{ids[4], ids[3]}));
  EXPECT_TRUE(pages[0].more);
  EXPECT_EQ(ids_of(pages[1].messages), (std::vector<MessageId>{ids[2], ids[1]}));
  EXPECT_TRUE(pages[1].more);
  EXPECT_EQ(ids_of(pages[2].messages), (std::vector<MessageId>{ids[0]}));
  EXPECT_FALSE(pages[2].more);
  EXPECT_EQ(pages[0].rid, "h");
  EXPECT_EQ(pages[0].conv, ab);
  EXPECT_EQ(pages[0].messages[0].body.text, "message 5");
}

TEST_F(ChatQueriesTest, HistoryLimitZeroIsTheDefaultAndNonMembersAreRefused) {
  h.step(history(dev(bob, 1), MessageId{}, 0));
  EXPECT_EQ(h.frames_of<protocol::HistoryPage>(session_of(dev(bob, 1))).at(0).messages.size(), 5u);
  h.step(history(dev(carol, 1), MessageId{}, 0));
  const auto failed = h.frames_of<protocol::ErrorFrame>(session_of(dev(carol, 1)));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, ErrorCode::not_member);
  EXPECT_EQ(failed[0].rid, "h");
  EXPECT_TRUE(h.frames_of<protocol::HistoryPage>(session_of(dev(carol, 1))).empty());
}

TEST_F(ChatQueriesTest, SyncReplaysWhatFollowsThePosition) {
  h.step(sync(dev(bob, 2), ids[1]));
  const auto frames = h.frames_to(session_of(dev(bob, 2)));
  ASSERT_EQ(frames.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(std::holds_alternative<protocol::Deliver>(frames[i]));
    EXPECT_EQ(std::get<protocol::Deliver>(frames[i]).message.id, ids[2 + i]);
  }
  const auto done = std::get<protocol::SyncDone>(frames[3]);
  EXPECT_EQ(done.through, ids[4]);
  EXPECT_FALSE(done.more);
  EXPECT_FALSE(done.resync_required);
  EXPECT_EQ(done.rid, "s");
}

// Two sends in flight; the later one's write lands first and a sync reads it. `through` stays
// below the earlier one, still in flight: a device that is not registered for its live fan-out
// must sync from before it next time, not from past it.
TEST_F(ChatQueriesTest, SyncThroughNeverPassesAnAppendStillInFlight) {
  h.hold = [](const store::Op& op) { return std::holds_alternative<store::AppendMessage>(op); };
  h.send(dev(alice, 1), ab, "m6", "six");
  h.send(dev(alice, 1), ab, "m7", "seven");
  ASSERT_EQ(h.held_count<store::AppendMessage>(), 2u);
  h.complete(1);  // "seven" is durable, "six" is not yet
  h.hold = nullptr;
  h.step(sync(dev(bob, 2), ids[4]));
  const auto replayed = h.frames_of<protocol::Deliver>(session_of(dev(bob, 2)));
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].message.body.text, "seven");
  const auto done = h.frames_of<protocol::SyncDone>(session_of(dev(bob, 2)));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_LT(done[0].through, replayed[0].message.id);
  EXPECT_GE(done[0].through, ids[4]);
  h.complete(0);  // "six" lands: a sync from `through` now brings both
  h.routed.clear();
  h.step(sync(dev(bob, 2), done[0].through));
  const auto again = h.frames_of<protocol::Deliver>(session_of(dev(bob, 2)));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].message.body.text, "six");
  EXPECT_EQ(h.frames_of<protocol::SyncDone>(session_of(dev(bob, 2))).at(0).through, again[1].message.id);
}

TEST_F(ChatQueriesTest, SyncInPagesSaysMoreAndAnUpToDateDeviceGetsItsPositionBack) {
  h.step(sync(dev(bob, 2), MessageId{}, 2));
  auto done = h.frames_of<protocol::SyncDone>(session_of(dev(bob, 2)));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].through, ids[1]);
  EXPECT_TRUE(done[0].more);
  EXPECT_EQ(h.frames_of<protocol::Deliver>(session_of(dev(bob, 2))).size(), 2u);
  h.routed.clear();
  h.step(sync(dev(bob, 2), ids[4]));
  done = h.frames_of<protocol::SyncDone>(session_of(dev(bob, 2)));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].through, ids[4]);
  EXPECT_FALSE(done[0].more);
  EXPECT_TRUE(h.frames_of<protocol::Deliver>(session_of(dev(bob, 2))).empty());
}

TEST_F(ChatQueriesTest, SyncFromBeforeTheRetentionFloorRequiresAResync) {
  h.store.trim(ab, ids[3]);
  h.step(sync(dev(bob, 2), ids[0]));
  const auto frames = h.frames_to(session_of(dev(bob, 2)));
  ASSERT_EQ(frames.size(), 1u);  // no messages with a hole before them
  const auto done = std::get<protocol::SyncDone>(frames[0]);
  EXPECT_TRUE(done.resync_required);
  EXPECT_EQ(done.floor, ids[3]);
  h.routed.clear();
  // From the start (position 0) there is no gap to hide: what is retained is replayed.
  h.step(sync(dev(bob, 2), MessageId{}));
  EXPECT_EQ(h.frames_of<protocol::Deliver>(session_of(dev(bob, 2))).size(), 2u);
  EXPECT_FALSE(h.frames_of<protocol::SyncDone>(session_of(dev(bob, 2))).at(0).resync_required);
  h.routed.clear();
  // A position at or after the floor is fine.
  h.step(sync(dev(bob, 2), ids[3]));
  EXPECT_EQ(h.frames_of<protocol::Deliver>(session_of(dev(bob, 2))).size(), 1u);
}

TEST_F(ChatQueriesTest, SearchFindsOnlyTheUsersOwnConversations) {
  const ConversationId bc = direct(bob, carol);
  h.send(dev(bob, 1), bc, "x1", "secret message for carol");
  h.routed.clear();
  h.step(search(dev(alice, 1), "message"));
  auto hits = h.frames_of<protocol::SearchResult>(session_of(dev(alice, 1)));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(ids_of(hits[0].hits), (std::vector<MessageId>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
  h.step(search(dev(carol, 1), "message"));
  hits = h.frames_of<protocol::SearchResult>(session_of(dev(carol, 1)));
  ASSERT_EQ(hits.size(), 1u);
  ASSERT_EQ(hits[0].hits.size(), 1u);
  EXPECT_EQ(hits[0].hits[0].conv, bc);
  EXPECT_EQ(hits[0].rid, "q");
  // Naming a conversation one is not in is refused outright.
  h.step(search(dev(carol, 1), "message", ab));
  EXPECT_EQ(h.frames_of<protocol::ErrorFrame>(session_of(dev(carol, 1))).at(0).code, ErrorCode::not_member);
}

TEST_F(ChatQueriesTest, SearchNeverMatchesEncryptedContent) {
  auto s = h.submit(dev(alice, 1), ab, "e1", "");
  s.body.kind = Body::Kind::encrypted;
  s.body.data = "bWVldCBhdCBub29u";
  h.step(s);
  h.step(search(dev(alice, 1), "bWVldCBhdCBub29u"));
  EXPECT_TRUE(h.frames_of<protocol::SearchResult>(session_of(dev(alice, 1))).at(0).hits.empty());
}

TEST_F(ChatQueriesTest, SearchInAGroupChecksMembership) {
  h.make_group(77, {alice, carol}, alice);
  h.send(dev(carol, 1), ConversationId{77}, "g1", "group message");
  h.routed.clear();
  h.step(search(dev(bob, 1), "group", ConversationId{77}));
  EXPECT_EQ(h.frames_of<protocol::ErrorFrame>(session_of(dev(bob, 1))).at(0).code, ErrorCode::not_member);
  h.step(search(dev(alice, 1), "group", ConversationId{77}));
  EXPECT_EQ(h.frames_of<protocol::SearchResult>(session_of(dev(alice, 1))).at(0).hits.size(), 1u);
  // A group this instance has never touched is checked with a one-off load.
  ChatHarness other;
  other.make_group(78, {alice}, alice);
  other.step(search(dev(bob, 1), "group", ConversationId{78}));
  EXPECT_EQ(other.frames_of<protocol::ErrorFrame>(session_of(dev(bob, 1))).at(0).code, ErrorCode::not_member);
  other.step(search(dev(bob, 1), "group", ConversationId{79}));
  EXPECT_EQ(other.frames_of<protocol::ErrorFrame>(session_of(dev(bob, 1))).at(1).code, ErrorCode::not_found);
}

TEST_F(ChatQueriesTest, TypingReachesOnlyOtherMembersAndIsNeverStored) {
  h.online(dev(alice, 1));
  h.online(dev(alice, 2));
  h.online(dev(bob, 1), gateway_a);
  h.online(dev(bob, 2), gateway_b);
  h.offline(dev(bob, 3));
  const auto writes = store_writes();
  const auto messages = h.store.message_count();
  h.step(env::TypingNotice{dev(alice, 1), ab, true});
  const auto notes = h.routed_of<env::NotifyDevices>();
  ASSERT_EQ(notes.size(), 2u);  // one per gateway
  EXPECT_EQ(notes[0].gateway, gateway_a);
  EXPECT_EQ(notes[0].devices, (std::vector<DeviceRef>{dev(bob, 1)}));  // not alice's other device
  EXPECT_EQ(notes[1].gateway, gateway_b);
  EXPECT_EQ(notes[1].devices, (std::vector<DeviceRef>{dev(bob, 2)}));
  EXPECT_EQ(notes[0].frame, notes[1].frame);
  auto frame = protocol::decode_server(*notes[0].frame);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(std::get<protocol::TypingUpdate>(frame.value()), (protocol::TypingUpdate{ab, alice, true}));
  EXPECT_EQ(store_writes(), writes);
  EXPECT_EQ(h.store.message_count(), messages);
  EXPECT_TRUE(h.routed_of<env::DeliverToDevice>().empty());
  // A non-member's typing goes nowhere.
  h.routed.clear();
  h.step(env::TypingNotice{dev(carol, 1), ab, true});
  EXPECT_TRUE(h.routed.empty());
}

TEST_F(ChatQueriesTest, ReadReceiptIsStoredThenShownPerGatewayAndClearsPush) {
  h.online(dev(alice, 1), gateway_a);
  h.online(dev(alice, 2), gateway_a);
  h.online(dev(bob, 1), gateway_a);
  h.online(dev(bob, 2), gateway_b);
  h.step(env::ReadMark{dev(bob, 1), ab, ids[4]});
  ASSERT_EQ(h.executed.back().op.index(), store::Op{store::RegistryLookup{}}.index());
  bool stored = false;
  for (const auto& r : h.executed) stored |= std::holds_alternative<store::PutReceipt>(r.op);
  EXPECT_TRUE(stored);
  const auto notes = h.routed_of<env::NotifyDevices>();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].gateway, gateway_a);
  EXPECT_EQ(notes[0].devices, (std::vector<DeviceRef>{dev(alice, 1), dev(alice, 2)}));
  EXPECT_EQ(notes[1].gateway, gateway_b);
  EXPECT_EQ(notes[1].devices, (std::vector<DeviceRef>{dev(bob, 2)}));  // the reader's other device
  auto frame = protocol::decode_server(*notes[0].frame);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(std::get<protocol::Receipt>(frame.value()), (protocol::Receipt{ab, bob, ids[4]}));
  const auto cleared = h.routed_of<env::ReadUpTo>();
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_EQ(cleared[0].user, bob);
  EXPECT_EQ(cleared[0].conv, ab);
}

TEST_F(ChatQueriesTest, ReadReceiptThatFailsToStoreIsNotAnnounced) {
  h.online(dev(alice, 1));
  h.hold = [](const store::Op& op) { return std::holds_alternative<store::PutReceipt>(op); };
  h.step(env::ReadMark{dev(bob, 1), ab, ids[4]});
  h.complete(0, Error{ErrorCode::internal, "down"});
  EXPECT_TRUE(h.routed.empty());
}

TEST_F(ChatQueriesTest, PresenceInterestListsTheOtherMembers) {
  h.make_group(77, {alice, bob, carol}, alice);
  h.step(env::PresenceInterest{session_of(dev(bob, 1)), dev(bob, 1), "p", ConversationId{77}, true});
  const auto lists = h.routed_of<env::WatchList>();
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(lists[0].to, session_of(dev(bob, 1)));
  EXPECT_EQ(lists[0].rid, "p");
  EXPECT_EQ(lists[0].conv, ConversationId{77});
  EXPECT_EQ(lists[0].users, (std::vector<UserId>{alice, carol}));
  EXPECT_TRUE(lists[0].subscribe);
  h.step(env::PresenceInterest{session_of(dev(dave, 1)), dev(dave, 1), "p", ConversationId{77}, true});
  EXPECT_EQ(h.routed_of<env::WatchList>().size(), 1u);
  EXPECT_EQ(h.frames_of<protocol::ErrorFrame>(session_of(dev(dave, 1))).at(0).code, ErrorCode::not_member);
}

}  // namespace
}  // namespace parley
