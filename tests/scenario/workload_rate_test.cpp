// Arrival processes produce the rates the scenario asks for (counts within Poisson bounds over
// long seeded runs), follow their profile over time, and are reproducible from the seed.
#include <gtest/gtest.h>

#include "parley/scenario/profile.hpp"
#include "workload/arrivals.hpp"
#include "workload/nhpp.hpp"
#include "workload/substream.hpp"
#include "workload_test_util.hpp"

namespace parley::workload {
namespace {

using test::expect_poisson_count;
using test::scenario_from;

// Arrivals of `nhpp` counted per bucket of `bucket_s` over [0, end_s).
std::vector<double> counts(NhppArrivals& nhpp, double end_s, double bucket_s) {
  std::vector<double> out(static_cast<std::size_t>(end_s / bucket_s), 0);
  for (double t = nhpp.next(); t < end_s; t = nhpp.next()) out[static_cast<std::size_t>(t / bucket_s)] += 1;
  return out;
}

TEST(WorkloadRates, ConstantRateCountIsPoisson) {
  NhppArrivals nhpp(Random(7), 1'000, RateProfile{});
  const auto per_100s = counts(nhpp, 1'000, 100);
  double total = 0;
  for (double c : per_100s) {
    expect_poisson_count(c, 100'000, "per 100 s");
    total += c;
  }
  expect_poisson_count(total, 1'000'000, "1 000 s at 1 000/s");
}

TEST(WorkloadRates, DiurnalDayAveragesTheBaseRateAndFollowsEachHour) {
  const auto s = scenario_from("workload:\n  profile: {kind: diurnal, peak_factor: 2.586}\n");
  const RateProfile profile(s.workload.profile);
  NhppArrivals nhpp(Random(11), 10, profile);
  const auto per_hour = counts(nhpp, 86'400, 3'600);
  double total = 0;
  for (std::size_t h = 0; h < 24; ++h) {
    const double expected = 10 * profile.integral(h * 3600.0, (h + 1) * 3600.0, 3'600);
    expect_poisson_count(per_hour[h], expected, ("hour " + std::to_string(h)).c_str());
    total += per_hour[h];
  }
  expect_poisson_count(total, 864'000, "a whole day at a mean of 10/s");
  EXPECT_GT(per_hour[20], 2.4 * per_hour[4] * 1.0) << "the evening peak is far above the night";
}

TEST(WorkloadRates, DiurnalProfileHasMeanOneAndTheRequestedPeak) {
  const auto s = scenario_from("workload:\n  profile: {kind: diurnal, peak_factor: 2.586, start_hour: 20.5}\n");
  const RateProfile profile(s.workload.profile);
  EXPECT_NEAR(profile.integral(0, 86'400, 864'000) / 86'400, 1.0, 1e-6);
  EXPECT_NEAR(profile.multiplier_at(0), 2.586, 1e-9) << "start_hour 20.5 is the peak";
  EXPECT_NEAR(profile.max_multiplier(), 2.586, 1e-9);
  const auto hourly = scenario::resolved_hourly(s.workload.profile.hourly, 2.586);
  double sum = 0;
  for (double h : hourly) sum += h;
  EXPECT_NEAR(sum / 24, 1.0, 1e-12);
}

TEST(WorkloadRates, PiecewiseProfileIsLinearBetweenPointsAndFlatOutside) {
  const auto s = scenario_from(
      "workload:\n  profile:\n    kind: piecewise\n    points: [{t_s: 10, multiplier: 0}, "
      "{t_s: 20, multiplier: 4}, {t_s: 30, multiplier: 1}]\n");
  const RateProfile profile(s.workload.profile);
  EXPECT_EQ(profile.multiplier_at(0), 0);
  EXPECT_DOUBLE_EQ(profile.multiplier_at(15), 2);
  EXPECT_DOUBLE_EQ(profile.multiplier_at(25), 2.5);
  EXPECT_EQ(profile.multiplier_at(1'000), 1);
  NhppArrivals nhpp(Random(3), 5'000, profile);
  const auto per_10s = counts(nhpp, 40, 10);
  expect_poisson_count(per_10s[0], 0, "before the first point");
  expect_poisson_count(per_10s[1], 5'000 * 20, "ramp 0 → 4 over 10 s");
  expect_poisson_count(per_10s[2], 5'000 * 25, "4 → 1 over 10 s");
  expect_poisson_count(per_10s[3], 5'000 * 10, "flat at 1");
}

TEST(WorkloadRates, RampGrowsLinearly) {
  const auto s = scenario_from("duration_s: 100\nramp_s: 20\n");
  NhppArrivals nhpp(Random(5), 1'000, RateProfile(s.workload.profile, s.ramp_s));
  const auto per_10s = counts(nhpp, 40, 10);
  expect_poisson_count(per_10s[0], 1'000 * 10 * 0.25, "first half of the ramp");
  expect_poisson_count(per_10s[1], 1'000 * 10 * 0.75, "second half of the ramp");
  expect_poisson_count(per_10s[2], 1'000 * 10, "after the ramp");
}

TEST(WorkloadRates, PlannedSendsMatchTheScenarioRateAndShares) {
  const auto s = scenario_from(R"(
duration_s: 200
population: {users: 2000, groups: {count: 50}}
workload: {messages_per_user_per_s: 0.5, group_share: 0.3, encrypted_share: 0.25, typing_per_message: 1.5}
)");
  const auto sends = test::all_sends(s);
  expect_poisson_count(static_cast<double>(sends.size()), 2'000 * 0.5 * 200, "sends");
  double group = 0, encrypted = 0, typing = 0;
  for (const auto& send : sends) {
    group += send.to_group;
    encrypted += send.encrypted;
    typing += send.typing_indicators;
  }
  const double n = static_cast<double>(sends.size());
  EXPECT_NEAR(group / n, 0.3, 5 * std::sqrt(0.3 * 0.7 / n));
  EXPECT_NEAR(encrypted / n, 0.25, 5 * std::sqrt(0.25 * 0.75 / n));
  EXPECT_NEAR(typing / n, 1.5, 5 * std::sqrt(0.25 / n));
}

TEST(WorkloadRates, UserEventsMatchTheirHourlyRates) {
  const auto s = scenario_from(R"(
duration_s: 3600
population: {users: 1000, concurrency: 0.5}
workload: {reconnects_per_user_per_hour: 2, history_reads_per_user_per_hour: 4, searches_per_user_per_hour: 0.5}
)");
  double per_kind[3] = {0, 0, 0};
  std::int64_t last_us = -1;
  for (const auto& event : test::all_events(s)) {
    per_kind[static_cast<int>(event.kind)] += 1;
    EXPECT_GE(event.at_us, last_us) << "events come in time order";
    EXPECT_LT(event.user, 500u) << "only online users act";
    last_us = event.at_us;
  }
  expect_poisson_count(per_kind[0], 500 * 2, "reconnects");
  expect_poisson_count(per_kind[1], 500 * 4, "history reads");
  expect_poisson_count(per_kind[2], 500 * 0.5, "searches");
}

TEST(WorkloadDeterminism, SameSeedSamePlanOtherSeedOtherPlan) {
  const auto s = test::shipped("smoke");
  const auto a = test::all_sends(s);
  EXPECT_EQ(a, test::all_sends(s));
  auto other = s;
  other.seed = s.seed + 1;
  const auto b = test::all_sends(other);
  EXPECT_NE(a, b);
  EXPECT_EQ(test::all_events(s), test::all_events(s));
}

TEST(WorkloadDeterminism, SubstreamsAreIndependentOfDrawOrder) {
  Random one = substream(9, Stream::send_attributes, 41);
  Random two = substream(9, Stream::send_attributes, 42);
  Random again = substream(9, Stream::send_attributes, 41);
  (void)two.next_u64();
  EXPECT_EQ(one.next_u64(), again.next_u64());
  EXPECT_NE(mix(9, Stream::send_attributes, 41), mix(9, Stream::contacts, 41));
  EXPECT_NE(mix(9, Stream::send_attributes, 41), mix(10, Stream::send_attributes, 41));
}

TEST(WorkloadDeterminism, PoissonArrivalsStillReproducible) {
  PoissonArrivals a(3, 100, 2.0, 0), b(3, 100, 2.0, 0);
  for (int i = 0; i < 1'000; ++i) {
    const auto x = a.next(), y = b.next();
    ASSERT_EQ(x.at_ms, y.at_ms);
    ASSERT_EQ(x.user_index, y.user_index);
  }
}

}  // namespace
}  // namespace parley::workload
