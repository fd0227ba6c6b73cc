// The one definition of a planned send's recipient devices (workload/recipients.hpp), which
// parley-load verifies against and parley-sim traces, and the analytic expectation per send that
// parley-sim's bulk model uses: counting the plan send by send must agree with it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "workload/recipients.hpp"
#include "workload_test_util.hpp"

namespace parley::workload {
namespace {

using test::all_sends;
using test::scenario_from;
using test::shipped;

using Pairs = std::set<std::pair<std::uint64_t, std::uint32_t>>;

Pairs recipients_of(const PopulationModel& people, const PlannedSend& send) {
  Pairs out;
  for_each_recipient(people, send, [&](std::uint64_t u, std::uint32_t d) {
    EXPECT_TRUE(out.emplace(u, d).second) << "a device listed twice";
  });
  return out;
}

const char* two_device_users = R"(
name: t
duration_s: 10
population:
  users: 10
  concurrency: 0.5
  devices_per_user: 2
  contacts_per_user: 3
  groups: {count: 2, size: 6}
workload: {messages_per_user_per_s: 1, group_share: 0.5}
)";

TEST(WorkloadRecipients, OneToOneReachesThePeerAndTheSendersOtherDevices) {
  const auto s = scenario_from(two_device_users);
  const PopulationModel people(s);
  const PlannedSend to_online{0, 0, 1, false, 2};   // users 0..4 are online
  EXPECT_EQ(recipients_of(people, to_online), (Pairs{{1, 1}, {2, 0}, {2, 1}}));
  const PlannedSend to_offline{0, 0, 1, false, 7};  // an offline peer gets a push, not a delivery
  EXPECT_EQ(recipients_of(people, to_offline), (Pairs{{1, 1}}));
  EXPECT_EQ(recipient_devices(people, to_offline), 1u);
}

TEST(WorkloadRecipients, GroupReachesEveryOnlineMembersDevicesButTheSendingOne) {
  const auto s = scenario_from(two_device_users);
  const PopulationModel people(s);
  for (std::uint64_t g = 0; g < people.group_count(); ++g) {
    const std::uint64_t sender = people.member(g, 0);
    Pairs want;
    for (std::uint64_t k = 0; k < people.group_size(g); ++k) {
      const auto m = people.member(g, k);
      if (m >= people.online()) continue;
      for (std::uint32_t d = 0; d < 2; ++d) {
        if (m != sender || d != 0) want.emplace(m, d);
      }
    }
    EXPECT_EQ(recipients_of(people, PlannedSend{0, 0, sender, true, g}), want) << "group " << g;
  }
}

// Counted send by send over the whole plan, recipient devices per send agree with the analytic
// expectation: within 4 standard errors of the plan's mean (it is one finite sample of choices)
// plus 3 % for what the expectation leaves out (the ramp: a group with no connected member
// falls back to 1:1; the hot share uses the size distribution's mean, the plan the drawn sizes).
void expect_plan_matches_expectation(const scenario::Scenario& s) {
  const auto sends = all_sends(s);
  ASSERT_GT(sends.size(), 500u);
  const PopulationModel people(s);
  double sum = 0, sum2 = 0;
  for (const auto& send : sends) {
    const auto n = static_cast<double>(recipient_devices(people, send));
    sum += n;
    sum2 += n * n;
  }
  const auto count = static_cast<double>(sends.size());
  const double planned = sum / count;
  const double standard_error = std::sqrt(std::max(0.0, sum2 / count - planned * planned) / count);
  const auto expected = expected_deliveries(people, s);
  const auto pairs = static_cast<std::uint64_t>(sum);
  EXPECT_NEAR(planned, expected.per_send, 4 * standard_error + 0.03 * expected.per_send)
      << s.name << ": " << pairs << " pairs over " << sends.size() << " sends; D " << expected.devices_per_user
      << ", S_b " << expected.group_size_biased;
}

TEST(WorkloadRecipients, SmokePlanMatchesTheExpectation) {
  const auto s = shipped("smoke");
  expect_plan_matches_expectation(s);
  // smoke: 0.7 × 1.4 + 0.3 × (1.2 × S_b − 1) with S_b ≈ 27 for sizes uniform in [3, 40].
  const auto e = expected_deliveries(PopulationModel(s), s);
  EXPECT_GT(e.per_send, 8);
  EXPECT_LT(e.per_send, 13);
}

TEST(WorkloadRecipients, PartlyOnlinePopulationWithAHotGroupMatchesTheExpectation) {
  expect_plan_matches_expectation(shipped("sim-smoke", {"duration_s=10"}));
}

TEST(WorkloadRecipients, HotGroupsRaiseTheExpectationByTheirRateMultiplier) {
  auto s = shipped("sim-smoke");
  const auto quiet = [&] {
    auto copy = s;
    copy.population.hot_groups.rate_multiplier = 1;
    return expected_deliveries(PopulationModel(copy), copy);
  }();
  const auto hot = expected_deliveries(PopulationModel(s), s);
  EXPECT_GT(hot.group_size_biased, quiet.group_size_biased);
  EXPECT_GT(hot.per_send, quiet.per_send);
}

}  // namespace
}  // namespace parley::workload
