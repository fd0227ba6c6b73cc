// ChatService groups: create / add / remove / leave / info through GroupCommand, the system
// messages members (and removed users) receive, backfill for new members, the 500-member bound,
// owner hand-over, group loading with queued inputs, and changes applied in order with messages.
#include <gtest/gtest.h>

#include "chat_harness.hpp"
#include "parley/limits.hpp"

namespace parley {
namespace {

using namespace parley::testing;
using Kind = env::GroupCommand::Kind;

class ChatGroupsTest : public ::testing::Test {
 protected:
  env::GroupCommand command(Kind kind, DeviceRef actor, std::uint64_t group, std::vector<UserId> users = {}) {
    env::GroupCommand c;
    c.origin = session_of(actor);
    c.actor = actor;
    c.rid = "g-" + std::to_string(++rid_);
    c.kind = kind;
    c.group = GroupId{group};
    c.name = "team";
    c.users = std::move(users);
    return c;
  }
  std::vector<protocol::ErrorFrame> errors(DeviceRef d) const {
    return h.frames_of<protocol::ErrorFrame>(session_of(d));
  }
  std::vector<std::string> texts_to(DeviceRef d) const {
    std::vector<std::string> texts;
    for (const auto& x : h.deliveries_to(d)) texts.push_back(ChatHarness::message_of(x).body.text);
    return texts;
  }
  std::optional<GroupRecord> stored_group(std::uint64_t id) {
    return std::get<store::GroupLoaded>(h.store.execute(store::GetGroup{GroupId{id}})).group;
  }
  static std::vector<UserId> users_from(std::uint64_t first, std::size_t count) {
    std::vector<UserId> users;
    for (std::size_t i = 0; i < count; ++i) users.push_back(UserId{first + i});
    return users;
  }

  ChatHarness h;
  int rid_ = 0;
};

TEST_F(ChatGroupsTest, CreateStoresTheGroupAnnouncesItAndAnswersGroupInfo) {
  for (auto d : {dev(alice, 1), dev(alice, 2), dev(bob, 1), dev(carol, 1)}) h.online(d);
  h.step(command(Kind::create, dev(alice, 1), 77, {carol, bob, bob}));
  const auto info = h.frames_of<protocol::GroupInfo>(session_of(dev(alice, 1)));
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].rid, "g-1");
  EXPECT_EQ(info[0].group, GroupId{77});
  EXPECT_EQ(info[0].conv, ConversationId{77});
  EXPECT_EQ(info[0].owner, alice);
  EXPECT_EQ(info[0].members, (std::vector<UserId>{alice, bob, carol}));
  ASSERT_TRUE(stored_group(77).has_value());
  EXPECT_EQ(stored_group(77)->members, info[0].members);
  // The system message reaches every member's device, the creator's own ones included.
  for (auto d : {dev(alice, 1), dev(alice, 2), dev(bob, 1), dev(carol, 1)}) {
    ASSERT_EQ(texts_to(d), (std::vector<std::string>{"group created by 1"})) << d.user.value;
    const auto m = ChatHarness::message_of(h.deliveries_to(d)[0]);
    EXPECT_EQ(m.body.kind, Body::Kind::system);
    EXPECT_EQ(m.sender, UserId{});
  }
  // Members can talk right away.
  h.send(dev(bob, 1), ConversationId{77}, "b1", "hello team");
  EXPECT_EQ(h.frames_of<protocol::Ack>(session_of(dev(bob, 1))).size(), 1u);
}

TEST_F(ChatGroupsTest, CreateOver500MembersIsGroupFull) {
  h.step(command(Kind::create, dev(alice, 1), 77, users_from(100, limits::group_members_max)));
  const auto failed = errors(dev(alice, 1));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, ErrorCode::group_full);
  EXPECT_FALSE(stored_group(77).has_value());
  EXPECT_EQ(h.store.message_count(), 0u);
}

TEST_F(ChatGroupsTest, CreatingAnExistingGroupIsRefused) {
  h.make_group(77, {bob}, bob);
  h.step(command(Kind::create, dev(alice, 1), 77, {carol}));
  ASSERT_EQ(errors(dev(alice, 1)).size(), 1u);
  EXPECT_EQ(errors(dev(alice, 1))[0].code, ErrorCode::invalid_value);
  EXPECT_EQ(stored_group(77)->owner, bob);
}

TEST_F(ChatGroupsTest, AddingTwoUsersToA499MemberGroupIsGroupFull) {
  h.make_group(77, users_from(1, limits::group_members_max - 1), alice);
  h.step(command(Kind::add, dev(alice, 1), 77, {UserId{1000}, UserId{1001}}));
  ASSERT_EQ(errors(dev(alice, 1)).size(), 1u);
  EXPECT_EQ(errors(dev(alice, 1))[0].code, ErrorCode::group_full);
  EXPECT_EQ(stored_group(77)->members.size(), limits::group_members_max - 1);
  h.step(command(Kind::add, dev(alice, 1), 77, {UserId{1000}}));
  EXPECT_EQ(stored_group(77)->members.size(), limits::group_members_max);
}

TEST_F(ChatGroupsTest, NewMembersGetTheLastMessagesThenTheAnnouncement) {
  ChatConfig config;
  config.new_member_backfill = 3;
  ChatHarness g(config);
  const ConversationId team = g.make_group(77, {alice, bob}, alice);
  g.online(dev(bob, 1));
  g.online(dev(dave, 1));
  g.offline(dev(dave, 2));
  for (int i = 1; i <= 5; ++i) g.send(dev(alice, 1), team, "m" + std::to_string(i), "msg " + std::to_string(i));
  auto add = command(Kind::add, dev(alice, 1), 77, {dave});
  g.step(add);

  std::vector<std::string> to_dave;
  std::vector<MessageId> ids;
  for (const auto& x : g.deliveries_to(dev(dave, 1))) {
    to_dave.push_back(ChatHarness::message_of(x).body.text);
    ids.push_back(x.msg);
  }
  EXPECT_EQ(to_dave, (std::vector<std::string>{"msg 3", "msg 4", "msg 5", "1 added 4"}));
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(ChatHarness::message_of(g.deliveries_to(dev(bob, 1)).back()).body.text, "1 added 4");
  // The backfill goes to online devices only, and is tracked like any delivery.
  EXPECT_EQ(g.routed_of<env::PushCandidate>().size(), 1u);  // dave's offline device: the notice
  g.clock.advance(5'000);
  g.tick();
  EXPECT_EQ(g.deliveries_to(dev(dave, 1)).size(), 8u);
  // dave is a member now.
  g.send(dev(dave, 1), team, "d1", "hi, I'm new");
  EXPECT_EQ(g.frames_of<protocol::Ack>(session_of(dev(dave, 1))).size(), 1u);
}

TEST_F(ChatGroupsTest, AddingExistingMembersChangesNothing) {
  h.make_group(77, {alice, bob}, alice);
  h.step(command(Kind::add, dev(bob, 1), 77, {alice}));
  EXPECT_EQ(h.frames_of<protocol::GroupInfo>(session_of(dev(bob, 1))).size(), 1u);
  EXPECT_EQ(h.store.message_count(), 0u);
}

TEST_F(ChatGroupsTest, TheRemovedUserReceivesTheRemovalAndIsOutAfterwards) {
  const ConversationId team = h.make_group(77, {alice, bob, carol}, alice);
  h.online(dev(bob, 1));
  h.online(dev(carol, 1));
  h.step(command(Kind::remove, dev(alice, 1), 77, {bob}));
  EXPECT_EQ(texts_to(dev(bob, 1)), (std::vector<std::string>{"1 removed 2"}));
  EXPECT_EQ(texts_to(dev(carol, 1)), (std::vector<std::string>{"1 removed 2"}));
  EXPECT_EQ(stored_group(77)->members, (std::vector<UserId>{alice, carol}));
  h.send(dev(bob, 1), team, "b1", "wait");
  ASSERT_EQ(errors(dev(bob, 1)).size(), 1u);
  EXPECT_EQ(errors(dev(bob, 1))[0].code, ErrorCode::not_member);
  h.send(dev(alice, 1), team, "a1", "bye bob");
  EXPECT_EQ(h.deliveries_to(dev(bob, 1)).size(), 1u);  // nothing new reaches bob
  EXPECT_EQ(h.deliveries_to(dev(carol, 1)).size(), 2u);
}

TEST_F(ChatGroupsTest, OnlyTheOwnerMayRemoveOthers) {
  h.make_group(77, {alice, bob, carol}, alice);
  h.step(command(Kind::remove, dev(bob, 1), 77, {carol}));
  ASSERT_EQ(errors(dev(bob, 1)).size(), 1u);
  EXPECT_EQ(errors(dev(bob, 1))[0].code, ErrorCode::forbidden);
  EXPECT_EQ(stored_group(77)->members.size(), 3u);
}

TEST_F(ChatGroupsTest, OwnerLeavingHandsOwnershipToTheLowestRemainingMember) {
  h.make_group(77, {alice, carol, dave}, alice);
  h.online(dev(carol, 1));
  h.online(dev(alice, 2));
  h.step(command(Kind::leave, dev(alice, 1), 77));
  const auto record = stored_group(77);
  EXPECT_EQ(record->owner, carol);
  EXPECT_EQ(record->members, (std::vector<UserId>{carol, dave}));
  EXPECT_EQ(texts_to(dev(carol, 1)), (std::vector<std::string>{"1 left the group; 3 is now the owner"}));
  EXPECT_EQ(texts_to(dev(alice, 2)), texts_to(dev(carol, 1)));  // the leaver learns it too
  const auto info = h.frames_of<protocol::GroupInfo>(session_of(dev(alice, 1)));
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].owner, carol);
  // carol, the new owner, may now remove dave.
  h.step(command(Kind::remove, dev(carol, 1), 77, {dave}));
  EXPECT_EQ(stored_group(77)->members, (std::vector<UserId>{carol}));
}

TEST_F(ChatGroupsTest, InfoIsForMembersAndUnknownGroupsAreNotFound) {
  h.make_group(77, {alice, bob}, alice);
  h.step(command(Kind::info, dev(bob, 1), 77));
  const auto info = h.frames_of<protocol::GroupInfo>(session_of(dev(bob, 1)));
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].members, (std::vector<UserId>{alice, bob}));
  h.step(command(Kind::info, dev(carol, 1), 77));
  EXPECT_EQ(errors(dev(carol, 1)).at(0).code, ErrorCode::not_member);
  h.step(command(Kind::info, dev(carol, 1), 78));
  EXPECT_EQ(errors(dev(carol, 1)).at(1).code, ErrorCode::not_found);
  h.send(dev(carol, 1), ConversationId{78}, "c1", "anyone?");
  EXPECT_EQ(errors(dev(carol, 1)).at(2).code, ErrorCode::not_found);
}

TEST_F(ChatGroupsTest, InputsWaitWhileTheGroupLoadsAndKeepTheirOrder) {
  const ConversationId team = h.make_group(77, {alice, bob}, alice);
  h.online(dev(bob, 1));
  h.hold = [](const store::Op& op) { return std::holds_alternative<store::GetGroup>(op); };
  h.send(dev(alice, 1), team, "a1", "first");
  h.send(dev(alice, 1), team, "a2", "second");
  ASSERT_EQ(h.held.size(), 1u);  // one load for the conversation, not one per input
  EXPECT_TRUE(h.routed.empty());
  h.complete(0);
  EXPECT_EQ(texts_to(dev(bob, 1)), (std::vector<std::string>{"first", "second"}));
  h.send(dev(alice, 1), team, "a3", "third");  // cached now: no second load
  EXPECT_EQ(h.held.size(), 0u);
}

TEST_F(ChatGroupsTest, TheQueueOfALoadingGroupIsBounded) {
  ChatConfig config;
  config.conversation_queue_max = 1;
  ChatHarness g(config);
  const ConversationId team = g.make_group(77, {alice, bob}, alice);
  g.hold = [](const store::Op& op) { return std::holds_alternative<store::GetGroup>(op); };
  g.send(dev(alice, 1), team, "a1", "first");
  g.send(dev(alice, 1), team, "a2", "second");
  const auto failed = g.frames_of<protocol::ErrorFrame>(session_of(dev(alice, 1)));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, ErrorCode::overloaded);
  EXPECT_EQ(failed[0].rid, "r-a2");
  g.complete(0);
  EXPECT_EQ(g.frames_of<protocol::Ack>(session_of(dev(alice, 1))).size(), 1u);
}

TEST_F(ChatGroupsTest, AFailedGroupLoadAnswersTheQueuedInputsAndIsRetried) {
  const ConversationId team = h.make_group(77, {alice, bob}, alice);
  h.hold = [](const store::Op& op) { return std::holds_alternative<store::GetGroup>(op); };
  h.send(dev(alice, 1), team, "a1", "first");
  h.complete(0, Error{ErrorCode::internal, "down"});
  ASSERT_EQ(errors(dev(alice, 1)).size(), 1u);
  EXPECT_EQ(errors(dev(alice, 1))[0].code, ErrorCode::internal);
  h.hold = nullptr;
  h.send(dev(alice, 1), team, "a1", "first");
  EXPECT_EQ(h.frames_of<protocol::Ack>(session_of(dev(alice, 1))).size(), 1u);
}

// A removal waits for the sends before it: bob's message sent before the removal reaches him,
// and his send after it is refused, whatever order the store answers in.
TEST_F(ChatGroupsTest, MembershipChangesApplyInOrderWithMessages) {
  const ConversationId team = h.make_group(77, {alice, bob, carol}, alice);
  h.online(dev(bob, 1));
  h.online(dev(carol, 1));
  h.send(dev(alice, 1), team, "warmup", "loaded");  // load the group first
  h.hold = is_append;
  h.send(dev(alice, 1), team, "a1", "before removal");
  h.step(command(Kind::remove, dev(alice, 1), 77, {bob}));
  h.send(dev(bob, 1), team, "b1", "after removal");
  EXPECT_EQ(h.held.size(), 1u);  // the removal waits for a1; bob's send waits for the removal
  EXPECT_TRUE(errors(dev(bob, 1)).empty());
  h.complete(0);  // a1 durable → released → the removal runs → its notice is appended
  ASSERT_EQ(h.held.size(), 1u);
  h.complete(0);  // the notice
  EXPECT_EQ(texts_to(dev(bob, 1)), (std::vector<std::string>{"loaded", "before removal", "1 removed 2"}));
  ASSERT_EQ(errors(dev(bob, 1)).size(), 1u);
  EXPECT_EQ(errors(dev(bob, 1))[0].code, ErrorCode::not_member);
  EXPECT_EQ(texts_to(dev(carol, 1)), (std::vector<std::string>{"loaded", "before removal", "1 removed 2"}));
}

TEST_F(ChatGroupsTest, AFailedGroupWriteIsReportedAndChangesNothing) {
  const ConversationId team = h.make_group(77, {alice, bob}, alice);
  h.hold = [](const store::Op& op) { return std::holds_alternative<store::PutGroup>(op); };
  h.step(command(Kind::add, dev(alice, 1), 77, {carol}));
  h.send(dev(carol, 1), team, "c1", "am I in?");  // queued behind the change
  h.complete(0, Error{ErrorCode::internal, "down"});
  EXPECT_EQ(errors(dev(alice, 1)).at(0).code, ErrorCode::internal);
  EXPECT_EQ(errors(dev(carol, 1)).at(0).code, ErrorCode::not_member);
  EXPECT_EQ(h.store.message_count(), 0u);
}

}  // namespace
}  // namespace parley
