// Conversation ids: stable, order-independent, collision-free between pairs and against groups.
#include "parley/conversation.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

#include "parley/limits.hpp"
#include "parley/random.hpp"

namespace parley {
namespace {

TEST(Conversation, DirectIdIgnoresArgumentOrderAndRoundTrips) {
  auto ab = direct_conversation(UserId{17}, UserId{4});
  auto ba = direct_conversation(UserId{4}, UserId{17});
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_EQ(ab.value(), ba.value());
  EXPECT_TRUE(is_direct(ab.value()));
  EXPECT_FALSE(is_group(ab.value()));
  auto members = direct_members(ab.value());
  ASSERT_TRUE(members.has_value());
  EXPECT_EQ(members->first, UserId{4});
  EXPECT_EQ(members->second, UserId{17});
}

TEST(Conversation, DirectIdIsStableAcrossBuilds) {
  // A golden value: stored keys depend on it, so changing the mix is a storage migration.
  auto id = direct_conversation(UserId{1}, UserId{2});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id.value().value, direct_conversation(UserId{2}, UserId{1}).value().value);
  EXPECT_EQ(id.value().value & direct_conversation_bit, direct_conversation_bit);
}

TEST(Conversation, NoCollisionsAmongManyRandomPairs) {
  Random rng(20261130);
  std::unordered_set<std::uint64_t> seen;
  for (int i = 0; i < 200'000; ++i) {
    const UserId a{1 + rng.uniform(limits::user_id_max)};
    UserId b{1 + rng.uniform(limits::user_id_max)};
    if (a == b) continue;
    auto id = direct_conversation(a, b);
    ASSERT_TRUE(id.ok());
    auto members = direct_members(id.value());
    ASSERT_TRUE(members.has_value());
    EXPECT_EQ(*members, (a < b ? std::pair{a, b} : std::pair{b, a}));
    seen.insert(id.value().value);
  }
  EXPECT_GT(seen.size(), 199'000u);
}

TEST(Conversation, ExtremeUserIdsRoundTrip) {
  const UserId max{limits::user_id_max};
  auto id = direct_conversation(UserId{1}, max);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(direct_members(id.value())->second, max);
}

TEST(Conversation, RejectsInvalidUsers) {
  EXPECT_EQ(direct_conversation(UserId{0}, UserId{2}).error().code, ErrorCode::invalid_value);
  EXPECT_EQ(direct_conversation(UserId{3}, UserId{3}).error().code, ErrorCode::invalid_value);
  EXPECT_FALSE(direct_conversation(UserId{1}, UserId{limits::user_id_max + 1}).ok());
}

TEST(Conversation, GroupIdsLiveInTheirOwnSpace) {
  auto group = group_conversation(GroupId{12345});
  ASSERT_TRUE(group.ok());
  EXPECT_TRUE(is_group(group.value()));
  EXPECT_FALSE(is_direct(group.value()));
  EXPECT_EQ(group_of(group.value()), GroupId{12345});
  EXPECT_FALSE(direct_members(group.value()).has_value());
  EXPECT_FALSE(group_conversation(GroupId{0}).ok());
  EXPECT_FALSE(group_conversation(GroupId{direct_conversation_bit | 5}).ok());
}

}  // namespace
}  // namespace parley
