// See histogram.hpp. Bucket index of v >= 256 with k = floor(log2 v): the top 8 bits of v (a
// leading 1 and 7 sub-bucket bits) select one of 128 buckets of width 2^(k-7) in [2^k, 2^(k+1)).
#include "parley/metrics/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace parley::metrics {
namespace {

constexpr std::uint64_t sub_buckets = 1ULL << Histogram::sub_bucket_bits;
constexpr int first_power = Histogram::sub_bucket_bits + 1;  // 2^8 = linear_limit

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

}  // namespace

std::size_t Histogram::bucket_of(std::uint64_t value) {
  value = std::min(value, value_max);
  if (value < linear_limit) return static_cast<std::size_t>(value);
  const int power = std::bit_width(value) - 1;  // >= first_power
  const std::uint64_t sub = (value >> (power - sub_bucket_bits)) - sub_buckets;
  return static_cast<std::size_t>(linear_limit + (power - first_power) * sub_buckets + sub);
}

std::uint64_t Histogram::bucket_low(std::size_t index) {
  if (index < linear_limit) return index;
  const std::uint64_t j = index - linear_limit;
  const int power = first_power + static_cast<int>(j / sub_buckets);
  return (sub_buckets + j % sub_buckets) << (power - sub_bucket_bits);
}

std::uint64_t Histogram::bucket_high(std::size_t index) {
  if (index < linear_limit) return index;
  const int power = first_power + static_cast<int>((index - linear_limit) / sub_buckets);
  return bucket_low(index) + (1ULL << (power - sub_bucket_bits)) - 1;
}

void Histogram::record_n(std::uint64_t value, std::uint64_t times) {
  if (times == 0) return;
  if (value > value_max) {
    saturated_ += times;
    value = value_max;
  }
  if (counts_.empty()) counts_.assign(bucket_count, 0);
  counts_[bucket_of(value)] += times;
  count_ += times;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ = saturating_add(sum_, saturating_mul(value, times));
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  if (counts_.empty()) counts_.assign(bucket_count, 0);
  for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ = saturating_add(sum_, other.sum_);
  saturated_ += other.saturated_;
}

void Histogram::clear() { *this = Histogram{}; }

std::uint64_t Histogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  if (!(percent > 0)) return min_;
  if (percent >= 100) return max_;
  // The smallest recorded value with at least `rank` recordings at or below it.
  const double exact = percent / 100.0 * static_cast<double>(count_);
  const auto rank = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::ceil(exact)), 1,
                                              count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t middle = bucket_low(i) + (bucket_high(i) - bucket_low(i)) / 2;
      return std::clamp(middle, min_, max_);
    }
  }
  return max_;
}

void Histogram::restore(std::size_t index, std::uint64_t times) {
  if (counts_.empty()) counts_.assign(bucket_count, 0);
  counts_[index] += times;
  count_ += times;
}

void Histogram::restore_stats(std::uint64_t min, std::uint64_t max, std::uint64_t sum,
                              std::uint64_t saturated) {
  min_ = count_ ? min : UINT64_MAX;
  max_ = max;
  sum_ = sum;
  saturated_ = saturated;
}

bool Histogram::operator==(const Histogram& other) const {
  if (count_ != other.count_ || min() != other.min() || max_ != other.max_ || sum_ != other.sum_ ||
      saturated_ != other.saturated_) {
    return false;
  }
  for (std::size_t i = 0; i < bucket_count; ++i) {
    if (bucket_count_at(i) != other.bucket_count_at(i)) return false;
  }
  return true;
}

}  // namespace parley::metrics
