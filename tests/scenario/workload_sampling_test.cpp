// Distributions sample what they say (frequencies within statistical bounds, values within their
// bounds), the population model builds valid groups and contact lists, and planned sends are
// consistent with it (group senders are members, 1:1 peers are contacts).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "workload/population_model.hpp"
#include "workload/sampler.hpp"
#include "workload_test_util.hpp"

namespace parley::workload {
namespace {

using scenario::Discrete;
using scenario::LogNormal;
using scenario::Uniform;
using scenario::Zipf;

constexpr int draws = 200'000;

std::map<std::uint64_t, double> histogram(const Sampler& sampler, std::uint64_t seed) {
  Random rng(seed);
  std::map<std::uint64_t, double> counts;
  for (int i = 0; i < draws; ++i) counts[sampler.sample_integer(rng)] += 1;
  return counts;
}

void expect_share(double count, double p, const std::string& what) {
  EXPECT_NEAR(count / draws, p, 5 * std::sqrt(p * (1 - p) / draws) + 1e-9) << what;
}

TEST(WorkloadSampling, FixedIsConstant) {
  Random rng(1);
  Sampler fixed(scenario::Fixed{200});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(fixed.sample_integer(rng), 200u);
  EXPECT_EQ(fixed.mean(), 200);
}

TEST(WorkloadSampling, UniformIntegerCoversEveryValueEqually) {
  const auto counts = histogram(Sampler(Uniform{3, 12}), 2);
  ASSERT_EQ(counts.size(), 10u);
  for (const auto& [value, count] : counts) expect_share(count, 0.1, "value " + std::to_string(value));
}

TEST(WorkloadSampling, DiscreteFollowsWeights) {
  const auto counts = histogram(Sampler(Discrete{{{1, 0.7}, {2, 0.25}, {3, 0.05}, {9, 0}}}), 3);
  expect_share(counts.at(1), 0.7, "1");
  expect_share(counts.at(2), 0.25, "2");
  expect_share(counts.at(3), 0.05, "3");
  EXPECT_EQ(counts.count(9), 0u) << "zero weight never drawn";
}

TEST(WorkloadSampling, ZipfRanksFallAsAPower) {
  const auto counts = histogram(Sampler(Zipf{1.0, 2, 500}), 4);
  double norm = 0;
  for (int r = 1; r <= 499; ++r) norm += 1.0 / r;
  expect_share(counts.at(2), 1 / norm, "rank 1");
  expect_share(counts.at(3), 0.5 / norm, "rank 2");
  expect_share(counts.at(11), 0.1 / norm, "rank 10");
  EXPECT_GE(counts.begin()->first, 2u);
  EXPECT_LE(counts.rbegin()->first, 500u);
}

TEST(WorkloadSampling, LogNormalHasItsMedianMeanAndBounds) {
  const Sampler sampler(LogNormal{120, 0.8, 1, 4'000});
  Random rng(5);
  std::vector<double> values;
  double sum = 0;
  for (int i = 0; i < draws; ++i) {
    values.push_back(sampler.sample(rng));
    sum += values.back();
    ASSERT_GE(values.back(), 1);
    ASSERT_LE(values.back(), 4'000);
  }
  std::nth_element(values.begin(), values.begin() + draws / 2, values.end());
  EXPECT_NEAR(values[draws / 2], 120, 120 * 0.01);
  EXPECT_NEAR(sum / draws, sampler.mean(), sampler.mean() * 0.01);
  EXPECT_NEAR(sampler.mean(), 120 * std::exp(0.32), 2) << "truncation barely moves this mean";
}

TEST(WorkloadSampling, LogNormalTruncationIsRespectedAndMeanAccountsForIt) {
  const Sampler sampler(LogNormal{8, 1.0, 2, 20});
  Random rng(6);
  double sum = 0;
  for (int i = 0; i < draws; ++i) {
    const auto v = sampler.sample_integer(rng);
    ASSERT_GE(v, 2u);
    ASSERT_LE(v, 20u);
    sum += sampler.sample(rng);
  }
  EXPECT_NEAR(sum / draws, sampler.mean(), sampler.mean() * 0.01);
}

TEST(WorkloadSampling, SameSeedSameDraws) {
  const Sampler sampler(LogNormal{30, 0.6, 1, 2'000});
  Random a(77), b(77);
  for (int i = 0; i < 1'000; ++i) ASSERT_EQ(sampler.sample(a), sampler.sample(b));
}

TEST(PopulationModel, GroupsHaveDistinctMembersAndBoundedSizes) {
  const auto s = test::scenario_from(R"(
population: {users: 700, groups: {count: 300, size: {kind: zipf, exponent: 0.5, min: 2, max: 500}},
             hot_groups: {count: 2, size: 500, rate_multiplier: 30}}
)");
  const PopulationModel model(s);
  ASSERT_EQ(model.group_count(), 302u);
  for (std::uint64_t g = 0; g < model.group_count(); ++g) {
    const auto size = model.group_size(g);
    ASSERT_GE(size, 2u);
    ASSERT_LE(size, 500u);
    if (model.is_hot(g)) {
      EXPECT_EQ(size, 500u);
    }
    std::set<std::uint64_t> members;
    for (std::uint64_t k = 0; k < size; ++k) members.insert(model.member(g, k));
    EXPECT_EQ(members.size(), size) << "group " << g;
    EXPECT_LT(*members.rbegin(), 700u);
  }
}

TEST(PopulationModel, GroupSizesAreCappedAtThePopulation) {
  const auto s = test::scenario_from("population: {users: 10, groups: {count: 50, size: 400}}\n");
  const PopulationModel model(s);
  for (std::uint64_t g = 0; g < 50; ++g) EXPECT_EQ(model.group_size(g), 10u);
}

TEST(PopulationModel, PickGroupIsProportionalToSizeTimesRate) {
  const auto s = test::scenario_from(R"(
population: {users: 5000, groups: {count: 40, size: {kind: uniform, min: 2, max: 200}},
             hot_groups: {count: 1, size: 100, rate_multiplier: 10}}
)");
  const PopulationModel model(s);
  std::vector<double> weight(model.group_count());
  double total = 0;
  for (std::uint64_t g = 0; g < model.group_count(); ++g) {
    weight[g] = static_cast<double>(model.group_size(g)) * (model.is_hot(g) ? 10 : 1);
    total += weight[g];
  }
  Random rng(8);
  std::vector<double> picked(model.group_count(), 0);
  for (int i = 0; i < draws; ++i) picked[model.pick_group(rng)] += 1;
  // The hot share uses the size distribution's mean, not the realised sizes: allow 5 % of it.
  EXPECT_NEAR(picked[0] / draws, weight[0] / total, 0.05 * weight[0] / total);
  const double regular_total = total - weight[0];
  for (std::uint64_t g = 1; g < model.group_count(); ++g) {
    const double within_regular = picked[g] / (draws - picked[0]);
    EXPECT_NEAR(within_regular, weight[g] / regular_total,
                5 * std::sqrt(weight[g] / regular_total / (draws - picked[0])) + 1e-9)
        << "group " << g;
  }
}

TEST(PopulationModel, ContactsAndDevicesAreValid) {
  const auto s = test::scenario_from(R"(
population: {users: 50, contacts_per_user: {kind: uniform, min: 0, max: 80},
             devices_per_user: {kind: discrete, table: [[1, 1], [3, 1]]}}
)");
  const PopulationModel model(s);
  for (std::uint64_t u = 0; u < 50; ++u) {
    EXPECT_LE(model.contact_count(u), 49u);
    for (std::uint64_t k = 0; k < model.contact_count(u); ++k) {
      EXPECT_NE(model.contact(u, k), u);
      EXPECT_LT(model.contact(u, k), 50u);
    }
    EXPECT_TRUE(model.devices(u) == 1 || model.devices(u) == 3);
  }
}

TEST(SendPlanner, SendsAreConsistentWithThePopulation) {
  const auto s = test::shipped("smoke");
  SendPlanner planner(s);
  const PopulationModel& model = planner.population();
  std::uint64_t last_seq = 0;
  bool first = true;
  while (auto send = planner.next()) {
    EXPECT_TRUE(first || send->seq > last_seq);
    first = false;
    last_seq = send->seq;
    EXPECT_GE(send->payload_bytes, 1u);
    EXPECT_LE(send->payload_bytes, 4'000u);
    if (send->to_group) {
      bool member = false;
      for (std::uint64_t k = 0; k < model.group_size(send->target); ++k) {
        member = member || model.member(send->target, k) == send->sender;
      }
      EXPECT_TRUE(member) << "sender " << send->sender << " not in group " << send->target;
    } else {
      bool contact = false;
      for (std::uint64_t k = 0; k < model.contact_count(send->sender); ++k) {
        contact = contact || model.contact(send->sender, k) == send->target;
      }
      EXPECT_TRUE(contact) << "peer " << send->target << " not a contact of " << send->sender;
    }
  }
}

TEST(SendPlanner, ReadReceiptsFollowTheirShareAndAreStable) {
  const auto s = test::scenario_from("workload: {read_receipt_share: 0.3}\n");
  const SendPlanner planner(s);
  double yes = 0;
  for (int seq = 0; seq < draws; ++seq) yes += planner.reads_receipt(seq, seq % 97);
  expect_share(yes, 0.3, "read receipts");
  EXPECT_EQ(planner.reads_receipt(12, 5), planner.reads_receipt(12, 5));
}

}  // namespace
}  // namespace parley::workload
