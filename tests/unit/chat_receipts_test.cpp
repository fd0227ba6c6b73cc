// ChatService read receipts: a direct conversation shows the receipt to the other member and the
// reader's other devices; a group shows it only to the reader's other devices and to the authors
// of the messages the mark newly covers (one receipt each, a bounded number of authors), so a
// 500-member group read by half its members costs O(readers) frames, not O(readers × members).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "chat_harness.hpp"
#include "parley/limits.hpp"

namespace parley {
namespace {

using namespace parley::testing;

// A receipt delivered to one device: who read, up to where.
struct Seen {
  DeviceRef device;
  protocol::Receipt receipt;
};

class ChatReceiptsTest : public ::testing::Test {
 protected:
  explicit ChatReceiptsTest(ChatConfig config = {}) : h(config) {}

  // Every receipt frame routed since the last clear, one entry per device that gets it.
  std::vector<Seen> receipts() const {
    std::vector<Seen> out;
    for (const auto& note : h.routed_of<env::NotifyDevices>()) {
      auto frame = protocol::decode_server(*note.frame);
      EXPECT_TRUE(frame.ok());
      if (!frame.ok() || !std::holds_alternative<protocol::Receipt>(frame.value())) continue;
      for (const DeviceRef& d : note.devices) out.push_back({d, std::get<protocol::Receipt>(frame.value())});
    }
    return out;
  }
  std::vector<protocol::Receipt> receipts_to(DeviceRef d) const {
    std::vector<protocol::Receipt> out;
    for (const auto& s : receipts()) {
      if (s.device == d) out.push_back(s.receipt);
    }
    return out;
  }
  MessageId send(DeviceRef from, ConversationId conv, const std::string& uuid) {
    h.send(from, conv, uuid, "text " + uuid);
    const auto acks = h.frames_of<protocol::Ack>(session_of(from));
    EXPECT_FALSE(acks.empty());
    return acks.empty() ? MessageId{} : acks.back().msg;
  }
  void read(DeviceRef reader, ConversationId conv, MessageId up_to) {
    h.step(env::ReadMark{reader, conv, up_to});
  }

  ChatHarness h;
};

class ChatReceiptsSmallScanTest : public ChatReceiptsTest {
 protected:
  static ChatConfig small_scan() {
    ChatConfig config;
    config.receipt_authors_scan_max = 2;
    return config;
  }
  ChatReceiptsSmallScanTest() : ChatReceiptsTest(small_scan()) {}
};

TEST_F(ChatReceiptsTest, HalfOfAFiveHundredMemberGroupReadingCostsOneFramePerReader) {
  std::vector<UserId> members;
  for (std::uint64_t u = 1; u <= limits::group_members_max; ++u) {
    members.push_back(UserId{u});
    h.online(dev(UserId{u}, 1), u % 2 == 0 ? gateway_a : gateway_b);
  }
  const ConversationId g = h.make_group(900, members, alice);
  const MessageId msg = send(dev(alice, 1), g, "big");
  h.routed.clear();
  const std::size_t readers = limits::group_members_max / 2;
  std::set<UserId> expected;
  for (std::uint64_t u = 2; u < 2 + readers; ++u) {
    read(dev(UserId{u}, 1), g, msg);
    expected.insert(UserId{u});
  }
  // Each reader has one device, so only the author hears it: readers frames in all (the old
  // broadcast sent readers × 499 ≈ 125 000).
  const auto all = receipts();
  EXPECT_EQ(all.size(), readers);
  std::set<UserId> seen_by_author;
  for (const auto& r : receipts_to(dev(alice, 1))) {
    EXPECT_EQ(r.conv, g);
    EXPECT_EQ(r.up_to, msg);
    seen_by_author.insert(r.user);
  }
  EXPECT_EQ(seen_by_author, expected);  // the author sees who read
  EXPECT_EQ(h.routed_of<env::ReadUpTo>().size(), readers);  // every reader's pushes are cleared
}

TEST_F(ChatReceiptsTest, GroupReceiptReachesTheAuthorsAndTheReadersOtherDevicesOnly) {
  const ConversationId g = h.make_group(901, {alice, bob, carol, dave}, alice);
  h.online(dev(alice, 1), gateway_a);
  h.online(dev(alice, 2), gateway_b);
  h.online(dev(bob, 1), gateway_a);
  h.online(dev(bob, 2), gateway_b);
  h.online(dev(carol, 1), gateway_a);
  h.online(dev(dave, 1), gateway_a);
  const MessageId msg = send(dev(alice, 1), g, "m1");
  h.routed.clear();
  read(dev(bob, 1), g, msg);
  const protocol::Receipt expected{g, bob, msg};
  EXPECT_EQ(receipts_to(dev(alice, 1)), std::vector<protocol::Receipt>{expected});
  EXPECT_EQ(receipts_to(dev(alice, 2)), std::vector<protocol::Receipt>{expected});
  EXPECT_EQ(receipts_to(dev(bob, 2)), std::vector<protocol::Receipt>{expected});  // read-state sync
  EXPECT_TRUE(receipts_to(dev(bob, 1)).empty());    // never back to the reading device
  EXPECT_TRUE(receipts_to(dev(carol, 1)).empty());  // a member who wrote nothing covered
  EXPECT_TRUE(receipts_to(dev(dave, 1)).empty());
  EXPECT_EQ(receipts().size(), 3u);
  // Per gateway, one frame shared by its devices.
  EXPECT_EQ(h.routed_of<env::NotifyDevices>().size(), 2u);
}

TEST_F(ChatReceiptsTest, OnlyAuthorsOfNewlyCoveredMessagesHearOnceEach) {
  const ConversationId g = h.make_group(902, {alice, bob, carol, dave}, alice);
  for (UserId u : {alice, bob, carol, dave}) h.online(dev(u, 1));
  const MessageId m1 = send(dev(alice, 1), g, "a1");
  const MessageId m2 = send(dev(carol, 1), g, "c1");
  send(dev(alice, 1), g, "a2");
  const MessageId m4 = send(dev(alice, 1), g, "a3");
  h.routed.clear();
  read(dev(bob, 1), g, m2);  // covers alice's m1 and carol's m2
  EXPECT_EQ(receipts_to(dev(alice, 1)).size(), 1u);
  EXPECT_EQ(receipts_to(dev(carol, 1)).size(), 1u);
  EXPECT_TRUE(receipts_to(dev(dave, 1)).empty());
  h.routed.clear();
  read(dev(bob, 1), g, m4);  // covers only alice's two newer messages: one receipt to alice
  EXPECT_EQ(receipts_to(dev(alice, 1)), (std::vector<protocol::Receipt>{{g, bob, m4}}));
  EXPECT_TRUE(receipts_to(dev(carol, 1)).empty());
  h.routed.clear();
  read(dev(bob, 1), g, m1);  // behind the mark: covers nothing new, nobody else hears it
  EXPECT_TRUE(receipts().empty());
  // A reader who is also an author is not told about itself; the others' marks are their own.
  h.routed.clear();
  read(dev(carol, 1), g, m4);
  EXPECT_EQ(receipts_to(dev(alice, 1)), (std::vector<protocol::Receipt>{{g, carol, m4}}));
  EXPECT_TRUE(receipts_to(dev(carol, 1)).empty());
  EXPECT_EQ(receipts().size(), 1u);
}

TEST_F(ChatReceiptsTest, AReceiptThatFailsToStoreCoversNothingSoItsRetryStillReachesTheAuthor) {
  const ConversationId g = h.make_group(903, {alice, bob, carol}, alice);
  for (UserId u : {alice, bob, carol}) h.online(dev(u, 1));
  const MessageId msg = send(dev(alice, 1), g, "m1");
  h.routed.clear();
  h.hold = [](const store::Op& op) { return std::holds_alternative<store::PutReceipt>(op); };
  read(dev(bob, 1), g, msg);
  h.complete(0, Error{ErrorCode::internal, "down"});
  EXPECT_TRUE(h.routed.empty());
  h.hold = nullptr;
  read(dev(bob, 1), g, msg);
  EXPECT_EQ(receipts_to(dev(alice, 1)), (std::vector<protocol::Receipt>{{g, bob, msg}}));
}

TEST_F(ChatReceiptsTest, AnAuthorWhoLeftTheGroupIsNotTold) {
  const ConversationId g = h.make_group(904, {alice, bob, carol}, alice);
  for (UserId u : {alice, bob, carol}) h.online(dev(u, 1));
  const MessageId msg = send(dev(carol, 1), g, "c1");
  env::GroupCommand leave;
  leave.origin = session_of(dev(carol, 1));
  leave.actor = dev(carol, 1);
  leave.rid = "leave";
  leave.kind = env::GroupCommand::Kind::remove;
  leave.group = GroupId{904};
  leave.users = {carol};
  h.step(leave);
  const auto record = std::get<store::GroupLoaded>(h.store.execute(store::GetGroup{GroupId{904}})).group;
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->members, (std::vector<UserId>{alice, bob}));
  h.routed.clear();
  read(dev(bob, 1), g, msg);
  EXPECT_TRUE(receipts_to(dev(carol, 1)).empty());
}

TEST_F(ChatReceiptsSmallScanTest, AMarkCoveringManyMessagesTellsAtMostTheScanBoundOfAuthors) {
  const ConversationId g = h.make_group(905, {alice, bob, carol, dave}, alice);
  for (UserId u : {alice, bob, carol, dave}) h.online(dev(u, 1));
  send(dev(alice, 1), g, "a1");
  send(dev(bob, 1), g, "b1");
  const MessageId last = send(dev(carol, 1), g, "c1");
  h.routed.clear();
  read(dev(dave, 1), g, last);  // the two newest covered messages: bob's and carol's
  EXPECT_TRUE(receipts_to(dev(alice, 1)).empty());
  EXPECT_EQ(receipts_to(dev(bob, 1)).size(), 1u);
  EXPECT_EQ(receipts_to(dev(carol, 1)).size(), 1u);
  std::size_t scans = 0;
  for (const auto& r : h.executed) {
    if (const auto* read_op = std::get_if<store::ReadMessages>(&r.op)) {
      EXPECT_EQ(read_op->limit, 2u);
      ++scans;
    }
  }
  EXPECT_EQ(scans, 1u);
}

TEST_F(ChatReceiptsTest, DirectConversationReceiptIsUnchanged) {
  const ConversationId ab = direct(alice, bob);
  h.online(dev(alice, 1), gateway_a);
  h.online(dev(alice, 2), gateway_b);
  h.online(dev(bob, 1), gateway_a);
  h.online(dev(bob, 2), gateway_a);
  send(dev(bob, 1), ab, "b1");  // bob's own message: a direct receipt does not depend on authors
  const MessageId msg = send(dev(alice, 1), ab, "a1");
  h.routed.clear();
  const std::size_t before = h.executed.size();
  read(dev(bob, 1), ab, msg);
  const protocol::Receipt expected{ab, bob, msg};
  EXPECT_EQ(receipts_to(dev(alice, 1)), std::vector<protocol::Receipt>{expected});
  EXPECT_EQ(receipts_to(dev(alice, 2)), std::vector<protocol::Receipt>{expected});
  EXPECT_EQ(receipts_to(dev(bob, 2)), std::vector<protocol::Receipt>{expected});
  EXPECT_EQ(receipts().size(), 3u);
  // Stored, then one lookup of both members: no scan of the covered messages.
  for (std::size_t i = before; i < h.executed.size(); ++i) {
    EXPECT_FALSE(std::holds_alternative<store::ReadMessages>(h.executed[i].op));
  }
  // Read again behind the mark: a direct receipt is still shown (the other member decides).
  h.routed.clear();
  read(dev(bob, 1), ab, msg);
  EXPECT_EQ(receipts().size(), 3u);
}

TEST(ChatReceiptsConfig, ScanBoundMustBeAValidPage) {
  ManualClock clock;
  ChatConfig config;
  config.receipt_authors_scan_max = 0;
  EXPECT_FALSE(ChatService::make(config, clock).ok());
  config.receipt_authors_scan_max = limits::page_size_max + 1;
  EXPECT_FALSE(ChatService::make(config, clock).ok());
}

}  // namespace
}  // namespace parley
