// A log-linear latency histogram in the spirit of HdrHistogram: exact below 256 µs, then 128
// buckets per power of two, so any reported value is within 1/256 (0.4 %) of a recorded one.
// O(1) record, exact merge (bucket-wise add), no clocks, no allocation until the first record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace parley::metrics {

class Histogram {
 public:
  static constexpr int sub_bucket_bits = 7;  // 2^7 = 128 buckets per power of two
  static constexpr std::uint64_t linear_limit = 2ULL << sub_bucket_bits;  // 256: exact below
  static constexpr int top_power = 40;                                    // values < 2^40 µs
  static constexpr std::uint64_t value_max = (1ULL << top_power) - 1;     // ≈ 12.7 days
  static constexpr std::size_t bucket_count =
      linear_limit + (top_power - sub_bucket_bits - 1) * (1ULL << sub_bucket_bits);

  // Values above value_max are recorded as value_max and counted in saturated().
  void record(std::uint64_t value_us) { record_n(value_us, 1); }
  void record_n(std::uint64_t value_us, std::uint64_t times);
  void merge(const Histogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }  // exact
  std::uint64_t max() const { return max_; }               // exact (after clamping)
  std::uint64_t sum() const { return sum_; }               // saturates at UINT64_MAX
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  std::uint64_t saturated() const { return saturated_; }

  // The value below which `percent` % of the recordings fall (0 → min, 100 → max), reported as
  // its bucket's midpoint clamped to [min, max]; 0 for an empty histogram.
  std::uint64_t percentile(double percent) const;

  // Bucket layout, public for serialisation: every value maps to one bucket [low, high].
  static std::size_t bucket_of(std::uint64_t value_us);
  static std::uint64_t bucket_low(std::size_t index);
  static std::uint64_t bucket_high(std::size_t index);
  std::uint64_t bucket_count_at(std::size_t index) const {
    return counts_.empty() ? 0 : counts_[index];
  }
  // Restores a bucket and the exact summary fields (the JSON reader's way back in).
  void restore(std::size_t index, std::uint64_t times);
  void restore_stats(std::uint64_t min, std::uint64_t max, std::uint64_t sum,
                     std::uint64_t saturated);

  bool operator==(const Histogram& other) const;

 private:
  std::vector<std::uint64_t> counts_;  // bucket_count entries once anything is recorded
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t saturated_ = 0;
};

}  // namespace parley::metrics
