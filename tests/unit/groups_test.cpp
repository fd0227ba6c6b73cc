// Group membership rules (groups.hpp): size bound, validation, who may remove whom, owner
// hand-over, and the system message texts members see.
#include "parley/groups.hpp"

#include <gtest/gtest.h>

#include "parley/limits.hpp"

namespace parley {
namespace {

std::vector<UserId> users_from(std::uint64_t first, std::size_t count) {
  std::vector<UserId> users;
  for (std::size_t i = 0; i < count; ++i) users.push_back(UserId{first + i});
  return users;
}

GroupRecord group_of_members(std::vector<UserId> members, UserId owner) {
  return GroupRecord{GroupId{42}, "team", owner, std::move(members), 1000};
}

TEST(Groups, CreateAddsTheCreatorSortsAndDedups) {
  auto made = groups::create(GroupId{42}, "team", UserId{17}, {UserId{9}, UserId{30}, UserId{9}, UserId{17}}, 1234);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made.value(), (GroupRecord{GroupId{42}, "team", UserId{17}, {UserId{9}, UserId{17}, UserId{30}}, 1234}));
  EXPECT_EQ(groups::created_text(UserId{17}), "group created by 17");
}

TEST(Groups, CreateAllowsExactly500MembersIncludingTheCreator) {
  auto ok = groups::create(GroupId{42}, "big", UserId{1}, users_from(2, limits::group_members_max - 1), 0);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value().members.size(), limits::group_members_max);
  auto full = groups::create(GroupId{42}, "big", UserId{1}, users_from(2, limits::group_members_max), 0);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::group_full);
}

TEST(Groups, CreateRejectsInvalidInput) {
  EXPECT_EQ(groups::create(GroupId{}, "x", UserId{1}, {}, 0).error().code, ErrorCode::invalid_value);
  EXPECT_EQ(groups::create(GroupId{1ULL << 63}, "x", UserId{1}, {}, 0).error().code, ErrorCode::invalid_value);
  EXPECT_EQ(groups::create(GroupId{5}, "x", UserId{1}, {UserId{}}, 0).error().code, ErrorCode::invalid_value);
  EXPECT_EQ(groups::create(GroupId{5}, "x", UserId{1}, {UserId{limits::user_id_max + 1}}, 0).error().code,
            ErrorCode::invalid_value);
  EXPECT_EQ(groups::create(GroupId{5}, std::string(limits::group_name_bytes_max + 1, 'n'), UserId{1}, {}, 0)
                .error().code,
            ErrorCode::invalid_value);
  EXPECT_EQ(groups::create(GroupId{5}, "x", UserId{1}, users_from(2, limits::users_per_request_max + 1), 0)
                .error().code,
            ErrorCode::too_many_items);
}

TEST(Groups, AddIgnoresMembersAndNeedsAMemberActor) {
  const auto g = group_of_members({UserId{1}, UserId{2}}, UserId{1});
  auto change = groups::add(g, UserId{2}, {UserId{3}, UserId{1}, UserId{3}});
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change.value().added, (std::vector<UserId>{UserId{3}}));
  EXPECT_EQ(change.value().after.members, (std::vector<UserId>{UserId{1}, UserId{2}, UserId{3}}));
  EXPECT_EQ(change.value().text, "2 added 3");
  auto noop = groups::add(g, UserId{2}, {UserId{1}});
  ASSERT_TRUE(noop.ok());
  EXPECT_TRUE(noop.value().text.empty());
  EXPECT_EQ(groups::add(g, UserId{9}, {UserId{3}}).error().code, ErrorCode::not_member);
}

TEST(Groups, AddBeyond500IsGroupFull) {
  const auto g = group_of_members(users_from(1, limits::group_members_max - 1), UserId{1});
  EXPECT_EQ(groups::add(g, UserId{1}, {UserId{1000}, UserId{1001}}).error().code, ErrorCode::group_full);
  auto one = groups::add(g, UserId{1}, {UserId{1000}, UserId{5}});  // 5 is already in: one new
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.value().after.members.size(), limits::group_members_max);
}

TEST(Groups, OnlyTheOwnerRemovesOthers) {
  const auto g = group_of_members({UserId{1}, UserId{2}, UserId{3}}, UserId{1});
  EXPECT_EQ(groups::remove(g, UserId{2}, {UserId{3}}).error().code, ErrorCode::forbidden);
  EXPECT_EQ(groups::remove(g, UserId{9}, {UserId{3}}).error().code, ErrorCode::not_member);
  auto removed = groups::remove(g, UserId{1}, {UserId{3}, UserId{77}});  // 77 is no member: ignored
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed.value().removed, (std::vector<UserId>{UserId{3}}));
  EXPECT_EQ(removed.value().after.members, (std::vector<UserId>{UserId{1}, UserId{2}}));
  EXPECT_EQ(removed.value().after.owner, UserId{1});
  EXPECT_EQ(removed.value().text, "1 removed 3");
  // A member may name only itself: the same as leaving.
  auto self = groups::remove(g, UserId{2}, {UserId{2}});
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(self.value().text, "2 left the group");
}

TEST(Groups, OwnerLeavingHandsOverToTheLowestRemainingId) {
  const auto g = group_of_members({UserId{4}, UserId{9}, UserId{12}}, UserId{9});
  auto left = groups::leave(g, UserId{9});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left.value().after.owner, UserId{4});
  EXPECT_EQ(left.value().after.members, (std::vector<UserId>{UserId{4}, UserId{12}}));
  EXPECT_EQ(left.value().removed, (std::vector<UserId>{UserId{9}}));
  EXPECT_EQ(left.value().text, "9 left the group; 4 is now the owner");
  auto member_left = groups::leave(g, UserId{12});
  ASSERT_TRUE(member_left.ok());
  EXPECT_EQ(member_left.value().after.owner, UserId{9});
  EXPECT_EQ(member_left.value().text, "12 left the group");
  EXPECT_EQ(groups::leave(g, UserId{5}).error().code, ErrorCode::not_member);
}

TEST(Groups, LastMemberLeavingLeavesAnEmptyOwnerlessGroup) {
  auto left = groups::leave(group_of_members({UserId{4}}, UserId{4}), UserId{4});
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left.value().after.members.empty());
  EXPECT_EQ(left.value().after.owner, UserId{});
}

TEST(Groups, OwnerRemovingItselfAndOthersHandsOver) {
  const auto g = group_of_members({UserId{1}, UserId{2}, UserId{3}}, UserId{1});
  auto change = groups::remove(g, UserId{1}, {UserId{1}, UserId{2}});
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change.value().after.members, (std::vector<UserId>{UserId{3}}));
  EXPECT_EQ(change.value().after.owner, UserId{3});
  EXPECT_EQ(change.value().text, "1 removed 2 and left the group; 3 is now the owner");
}

}  // namespace
}  // namespace parley
