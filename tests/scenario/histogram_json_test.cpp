// Histogram JSON is compact (non-empty buckets only), exact (the read-back histogram is equal, so
// shards merge exactly), and a damaged file is refused with a reason.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "parley/metrics/histogram_json.hpp"
#include "parley/random.hpp"

namespace parley::metrics {
namespace {

Histogram sample(std::uint64_t seed, int n) {
  Random rng(seed);
  Histogram h;
  for (int i = 0; i < n; ++i) h.record(rng.uniform(1ULL << (1 + rng.uniform(36))));
  return h;
}

TEST(HistogramJson, RoundTripIsExact) {
  for (const Histogram& h : {Histogram{}, sample(1, 1), sample(2, 10'000)}) {
    auto back = histogram_from_json(to_json(h));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back.value(), h);
    EXPECT_EQ(to_json(back.value()), to_json(h));
  }
  Histogram saturated;
  saturated.record(UINT64_MAX);
  EXPECT_EQ(histogram_from_json(to_json(saturated)).value(), saturated);
}

TEST(HistogramJson, OnlyNonEmptyBucketsAreWritten) {
  Histogram h;
  h.record_n(3, 2);
  h.record(1'000'000);
  const auto doc = nlohmann::json::parse(to_json(h));
  EXPECT_EQ(doc["buckets"], nlohmann::json::parse("[[3, 2], [" +
                                                  std::to_string(Histogram::bucket_low(
                                                      Histogram::bucket_of(1'000'000))) +
                                                  ", 1]]"));
  EXPECT_EQ(doc["count"], 3);
  EXPECT_EQ(doc["unit"], "us");
  // 100 000 latencies between 1 and 50 ms touch a few hundred of the 4 352 buckets.
  Random rng(3);
  Histogram typical;
  for (int i = 0; i < 100'000; ++i) typical.record(1'000 + rng.uniform(49'000));
  std::size_t non_empty = 0;
  for (std::size_t i = 0; i < Histogram::bucket_count; ++i) non_empty += typical.bucket_count_at(i) > 0;
  EXPECT_EQ(nlohmann::json::parse(to_json(typical))["buckets"].size(), non_empty);
  EXPECT_LT(non_empty, 1'000u);
  EXPECT_LT(to_json(typical).size(), 12'000u);
}

TEST(HistogramJson, MergingReadBackShardsEqualsOneHistogram) {
  const Histogram a = sample(4, 20'000), b = sample(5, 30'000);
  Histogram whole = a;
  whole.merge(b);
  Histogram merged = histogram_from_json(to_json(a)).value();
  merged.merge(histogram_from_json(to_json(b)).value());
  EXPECT_EQ(merged, whole);
}

TEST(HistogramJson, DamagedFilesAreRefused) {
  const std::string good = to_json(sample(6, 100));
  auto edit = [&](const char* key, nlohmann::json value) {
    auto doc = nlohmann::json::parse(good);
    doc[key] = std::move(value);
    return doc.dump();
  };
  const std::pair<std::string, const char*> bad[] = {
      {"{", "not a JSON object"},
      {"[1]", "not a JSON object"},
      {edit("format", "other"), "format"},
      {edit("sub_bucket_bits", 6), "layout"},
      {edit("count", 99), "add up"},
      {edit("buckets", nlohmann::json::parse("[[257, 1]]")), "not a bucket's lowest value"},
      {edit("buckets", "nope"), "histogram JSON"},
      {edit("min", "x"), "histogram JSON"},
  };
  for (const auto& [text, reason] : bad) {
    auto parsed = histogram_from_json(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.error().message.find(reason), std::string::npos) << parsed.error().message;
  }
}

}  // namespace
}  // namespace parley::metrics
