// `--shard i/n`: shard i's plan is exactly the unsharded plan's sends (and user events) of users
// u with u % n == i, same order, same sequence numbers; the shards together are the whole plan.
#include <gtest/gtest.h>

#include <algorithm>

#include "workload_test_util.hpp"

namespace parley::workload {
namespace {

template <class Event, class UserOf>
void expect_exact_split(const std::vector<Event>& whole, std::uint32_t n,
                        const std::vector<std::vector<Event>>& shards, UserOf user_of) {
  std::size_t total = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::vector<Event> expected;
    std::copy_if(whole.begin(), whole.end(), std::back_inserter(expected),
                 [&](const Event& e) { return user_of(e) % n == i; });
    EXPECT_EQ(shards[i], expected) << "shard " << i << "/" << n;
    total += shards[i].size();
  }
  EXPECT_EQ(total, whole.size());
}

void expect_sends_split(const scenario::Scenario& s) {
  const auto whole = test::all_sends(s);
  ASSERT_GT(whole.size(), 500u);
  for (std::uint32_t n : {1u, 2u, 3u, 7u}) {
    std::vector<std::vector<PlannedSend>> shards;
    for (std::uint32_t i = 0; i < n; ++i) shards.push_back(test::all_sends(s, Shard{i, n}));
    expect_exact_split(whole, n, shards, [](const PlannedSend& p) { return p.sender; });
  }
}

TEST(WorkloadShards, SmokeSendsSplitExactly) { expect_sends_split(test::shipped("smoke")); }

TEST(WorkloadShards, GroupHeavySendsSplitExactly) {
  expect_sends_split(test::shipped("group-heavy", {"duration_s=20"}));
}

TEST(WorkloadShards, DiurnalRampedSendsSplitExactly) {
  expect_sends_split(test::scenario_from(R"(
duration_s: 30
ramp_s: 10
population: {users: 997, concurrency: 0.7, groups: {count: 30}, hot_groups: {count: 2, size: 100}}
workload: {messages_per_user_per_s: 0.2, group_share: 0.5, profile: {kind: diurnal, peak_factor: 3}}
)"));
}

TEST(WorkloadShards, UserEventsSplitExactly) {
  const auto s = test::shipped("reconnect-storm", {"duration_s=60", "workload.reconnects_per_user_per_hour=60"});
  const auto whole = test::all_events(s);
  ASSERT_GT(whole.size(), 500u);
  for (std::uint32_t n : {2u, 5u}) {
    std::vector<std::vector<UserEvent>> shards;
    for (std::uint32_t i = 0; i < n; ++i) shards.push_back(test::all_events(s, Shard{i, n}));
    expect_exact_split(whole, n, shards, [](const UserEvent& e) { return e.user; });
  }
}

TEST(WorkloadShards, SendersAreConnectedWhenTheySend) {
  const auto s = test::shipped("smoke", {"ramp_s=10"});
  SendPlanner planner(s);
  while (auto send = planner.next()) {
    EXPECT_LE(planner.connect_at_s(send->sender) * 1e6, static_cast<double>(send->at_us) + 1)
        << "user " << send->sender << " sends before its connection is up";
  }
}

TEST(WorkloadShards, ParseShard) {
  EXPECT_EQ(parse_shard("0/1").value(), (Shard{0, 1}));
  EXPECT_EQ(parse_shard("3/4").value(), (Shard{3, 4}));
  for (const char* bad : {"4/4", "1/0", "1", "a/b", "1/2/3", "-1/2", "", "/2", "1/"}) {
    auto shard = parse_shard(bad);
    ASSERT_FALSE(shard.ok()) << bad;
    EXPECT_NE(shard.error().message.find("expected i/n"), std::string::npos);
  }
  EXPECT_TRUE((Shard{2, 3}).owns(5));
  EXPECT_FALSE((Shard{2, 3}).owns(6));
}

}  // namespace
}  // namespace parley::workload
