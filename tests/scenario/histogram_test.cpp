// The latency histogram: every value from 1 µs to beyond an hour is reported within 1 % (the
// layout guarantees 1/256), merging equals recording everything in one, and the percentile edges
// (empty, one value, 0 and 100, ties) behave.
#include <gtest/gtest.h>

#include <cmath>

#include "parley/metrics/histogram.hpp"
#include "parley/random.hpp"

namespace parley::metrics {
namespace {

constexpr std::uint64_t hour_us = 3'600'000'000ULL;

double relative_error(std::uint64_t reported, std::uint64_t actual) {
  return std::abs(static_cast<double>(reported) - static_cast<double>(actual)) /
         static_cast<double>(actual);
}

TEST(Histogram, LayoutCoversOneMicrosecondToBeyondAnHour) {
  EXPECT_GT(Histogram::value_max, hour_us);
  EXPECT_EQ(Histogram::bucket_of(0), 0u);
  EXPECT_EQ(Histogram::bucket_of(Histogram::value_max), Histogram::bucket_count - 1);
  // Buckets tile the range: each starts right after the previous one ends.
  for (std::size_t i = 1; i < Histogram::bucket_count; ++i) {
    ASSERT_EQ(Histogram::bucket_low(i), Histogram::bucket_high(i - 1) + 1) << i;
    ASSERT_EQ(Histogram::bucket_of(Histogram::bucket_low(i)), i);
    ASSERT_EQ(Histogram::bucket_of(Histogram::bucket_high(i)), i);
  }
}

TEST(Histogram, EveryBucketIsWithinOnePercentOfItsValues) {
  for (std::size_t i = 1; i < Histogram::bucket_count; ++i) {
    const double low = static_cast<double>(Histogram::bucket_low(i));
    const double high = static_cast<double>(Histogram::bucket_high(i));
    const double middle = low + std::floor((high - low) / 2);
    ASSERT_LE((middle - low) / low, 1.0 / 256 + 1e-12) << i;
    ASSERT_LE((high - middle) / low, 1.0 / 256 + 1e-12) << i;
  }
}

TEST(Histogram, PercentilesWithinOnePercentFrom1usTo1h) {
  // Log-spaced values; each sits alone in the middle of the distribution, so its percentile is
  // its bucket's representative, not the exact min or max.
  for (double v = 1; v <= static_cast<double>(hour_us); v *= 1.013) {
    const auto value = static_cast<std::uint64_t>(v);
    Histogram h;
    h.record(0);
    h.record(value);
    h.record(Histogram::value_max);
    const auto p50 = h.percentile(50);
    ASSERT_LE(relative_error(p50, value), 0.01) << value << " reported as " << p50;
  }
}

TEST(Histogram, PercentilesOfARandomSampleMatchTheExactOnes) {
  Random rng(42);
  Histogram h;
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 100'000; ++i) {
    // Log-uniform between 10 µs and 10 s.
    const auto v = static_cast<std::uint64_t>(10 * std::pow(1e6, rng.unit()));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9, 99.99}) {
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * values.size())) - 1;
    EXPECT_LE(relative_error(h.percentile(p), values[rank]), 0.01) << "p" << p;
  }
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  double sum = 0;
  for (auto v : values) sum += static_cast<double>(v);
  EXPECT_DOUBLE_EQ(h.mean(), sum / values.size());
}

TEST(Histogram, MergeEqualsRecordingBoth) {
  Random rng(7);
  Histogram a, b, both;
  for (int i = 0; i < 50'000; ++i) {
    const std::uint64_t v = rng.uniform(1ULL << (1 + rng.uniform(34)));
    (i % 3 ? a : b).record(v);
    both.record(v);
  }
  Histogram merged = a;
  merged.merge(b);
  EXPECT_EQ(merged, both);
  for (double p : {0.0, 50.0, 99.0, 99.99, 100.0}) EXPECT_EQ(merged.percentile(p), both.percentile(p));
  Histogram other_order = b;
  other_order.merge(a);
  EXPECT_EQ(other_order, both);
  Histogram empty;
  merged.merge(empty);
  EXPECT_EQ(merged, both);
  empty.merge(both);
  EXPECT_EQ(empty, both);
}

TEST(Histogram, EmptyReportsZeros) {
  const Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.percentile(100), 0u);
}

TEST(Histogram, OneValueIsEveryPercentileExactly) {
  Histogram h;
  h.record(123'457);
  for (double p : {0.0, 1.0, 50.0, 99.99, 100.0}) EXPECT_EQ(h.percentile(p), 123'457u) << p;
}

TEST(Histogram, ZeroAndHundredAreMinAndMax) {
  Histogram h;
  for (std::uint64_t v : {5'000'001ULL, 17ULL, 999'999ULL}) h.record(v);
  EXPECT_EQ(h.percentile(0), 17u);
  EXPECT_EQ(h.percentile(100), 5'000'001u);
  EXPECT_EQ(h.percentile(-3), 17u);
  EXPECT_EQ(h.percentile(250), 5'000'001u);
}

TEST(Histogram, RanksRoundUp) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);  // exact below 256
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(50.5), 51u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(99.9), 100u);
  h.record_n(7, 1'000);
  EXPECT_EQ(h.percentile(50), 7u) << "ties";
}

TEST(Histogram, ValuesBeyondTheRangeSaturate) {
  Histogram h;
  h.record(UINT64_MAX);
  h.record(10);
  EXPECT_EQ(h.saturated(), 1u);
  EXPECT_EQ(h.max(), Histogram::value_max);
  EXPECT_EQ(h.count(), 2u);
}

TEST(Histogram, SumSaturatesInsteadOfWrapping) {
  Histogram h;
  h.record_n(Histogram::value_max, UINT64_MAX / 1000);
  h.record_n(Histogram::value_max, UINT64_MAX / 1000);
  EXPECT_EQ(h.sum(), UINT64_MAX);
}

TEST(Histogram, ClearForgetsEverything) {
  Histogram h;
  h.record(99);
  h.clear();
  EXPECT_EQ(h, Histogram{});
}

}  // namespace
}  // namespace parley::metrics
